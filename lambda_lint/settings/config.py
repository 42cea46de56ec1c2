"""Configuration from the ``[tool.lambda-lint]`` table of a pyproject.toml.

Where the file comes from:

* ``isolated=True`` ignores every configuration file.
* ``config_path`` names the file to use; it must exist, but it need not have
  the table (that gives an empty configuration rooted at its folder).
* Otherwise :func:`find_config_file` walks up from the checked path. A
  pyproject.toml without the table is skipped, so a monorepo's tool-only
  pyproject.toml files do not hide the one that configures lambda-lint. A
  pyproject.toml that cannot be read or parsed is an error only when it is the
  first one found (the project's own file, which may well hold our table);
  broken files further up belong to someone else and are skipped.

Every problem is a :class:`ConfigError` whose text is one line naming the file
and the key; the CLI turns it into exit status 2.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on older interpreters
    import tomli as tomllib

TABLE = "tool.lambda-lint"
FILE_NAME = "pyproject.toml"

# Kept here rather than imported from the rule registry so that loading
# configuration never imports the rules (and cannot form an import cycle).
CATALOG_CODES = (
    "LAM001", "LAM002",
    "LAM101", "LAM102", "LAM103", "LAM104", "LAM105", "LAM106", "LAM107",
    "LAM201", "LAM202", "LAM203", "LAM204",
    "LAM301", "LAM302", "LAM303", "LAM304", "LAM305",
    "LAM401", "LAM402", "LAM403",
    "LAM501", "LAM502",
    "LAM601", "LAM602", "LAM603",
)
KNOWN_CODE_PATTERN = re.compile(r"^LAM\d{0,3}$")

CODE_KEYS = ("select", "extend-select", "ignore")
# Documented API lists that configuration extends with qualified names (LAM106, LAM204).
EXTEND_LIST_KEYS = ("extend-registries", "extend-loop-bound")
STRING_LIST_KEYS = ("exclude", "extend-exclude", "handlers", "extend-clients", "src") + EXTEND_LIST_KEYS
KNOWN_KEYS = CODE_KEYS + STRING_LIST_KEYS + ("per-file-ignores", "fix-maxsize", "snapstart")

DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class ConfigError(Exception):
    """A configuration problem; ``str(exc)`` is one line naming the file and the key."""


@dataclass
class Config:
    path: Optional[str] = None
    root: str = "."
    select: list = field(default_factory=list)
    extend_select: list = field(default_factory=list)
    ignore: list = field(default_factory=list)
    per_file_ignores: dict = field(default_factory=dict)
    exclude: list = field(default_factory=list)
    extend_exclude: list = field(default_factory=list)
    handlers: list = field(default_factory=list)
    extend_clients: list = field(default_factory=list)
    extend_registries: list = field(default_factory=list)  # "pkg.Class.method" that adds to a registry
    extend_loop_bound: list = field(default_factory=list)  # constructors of loop-bound objects
    fix_maxsize: int = 128
    src: list = field(default_factory=list)
    # SnapStart for handlers no infrastructure file declares: True (all of them), or a list of
    # handlers ("path/file.py:function", "package.module.function") whatever declares them.
    snapstart: object = False
    # The file's text, kept only to point diagnostics at the line of a handler.
    text: str = field(default="", repr=False, compare=False)

    def handler_line(self, spec: str) -> int:
        """1-based line of the configuration file where ``spec`` is written (1 if not found).

        The lambda-lint table is searched first, so that the same string under
        another tool's table does not win.
        """
        lines = self.text.splitlines()
        quoted = (f'"{spec}"', f"'{spec}'")
        start = 0
        for number, line in enumerate(lines):
            if re.match(r"""^\s*\[\s*tool\s*\.\s*(lambda-lint|"lambda-lint"|'lambda-lint')\s*[.\]]""", line):
                start = number
                break
        for number in list(range(start, len(lines))) + list(range(0, start)):
            if any(q in lines[number] for q in quoted):
                return number + 1
        return 1


    def names_handler(self, specs, path: str, function: str) -> bool:
        """Whether one of ``specs`` names the handler ``function`` in the file ``path``."""
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root)).replace(os.sep, "/")
        module = relative[: -len(".py")] if relative.endswith(".py") else relative
        if module.endswith("/__init__"):
            module = module[: -len("/__init__")]
        dotted_name = module.replace("/", ".") + "." + function
        for spec in specs:
            if ":" in spec:
                file_part, _, name = spec.rpartition(":")
                if name == function and os.path.normpath(file_part).replace(os.sep, "/") == relative:
                    return True
            elif spec == dotted_name or dotted_name.endswith("." + spec):
                return True
        return False


def code_problem(code) -> Optional[str]:
    """Why ``code`` is not a rule code or prefix of the catalog, or None if it is one.

    Also meant for the CLI's --select/--ignore values.
    """
    if not isinstance(code, str):
        return f"expected a rule code, got {_type_name(code)}"
    if KNOWN_CODE_PATTERN.match(code) and any(c.startswith(code) for c in CATALOG_CODES):
        return None
    message = f"unknown rule code or prefix {code!r}"
    upper = code.upper()
    if KNOWN_CODE_PATTERN.match(upper) and any(c.startswith(upper) for c in CATALOG_CODES):
        return message + f" (codes are upper case: {upper!r})"
    if not upper.startswith("LAM"):
        return message + " (lambda-lint codes start with LAM)"
    # Compare with codes or prefixes of the same length: a typo in a full code
    # gets the nearest code, an unknown group gets the list of groups.
    if len(upper) >= len(CATALOG_CODES[0]):
        close = difflib.get_close_matches(upper, CATALOG_CODES, n=1)
        return message + (f" (did you mean {close[0]!r}?)" if close else "")
    same_length = sorted({c[: len(upper)] for c in CATALOG_CODES})
    return message + f" (known prefixes of this length: {', '.join(same_length)})"


def find_config_file(start: str) -> Optional[str]:
    """The first pyproject.toml with a ``[tool.lambda-lint]`` table, walking up from ``start``.

    ``start`` is a file or a folder. Files without the table are skipped. A file
    that is unreadable, not UTF-8 or not valid TOML raises ConfigError only if it
    is the first pyproject.toml met on the way up; later broken ones are skipped.
    """
    found = _find(start)
    return found[0] if found else None


def load_config(start: str, config_path: Optional[str] = None, isolated: bool = False) -> Config:
    """The configuration that applies to ``start`` (a file or folder being checked)."""
    if isolated:
        return Config(root=os.getcwd())
    if config_path is not None:
        path = os.path.abspath(config_path)
        if not os.path.isfile(path):
            raise ConfigError(f"{_display(path)}: configuration file not found")
        text, data = _read_toml(path)
        table = _table_of(path, data)
        return _build(path, text, table if table is not None else {})
    found = _find(start)
    if found is None:
        return Config(root=os.getcwd())
    path, text, table = found
    return _build(path, text, table)


def _find(start: str):
    """(path, text, table) of the first configuring pyproject.toml above ``start``, or None."""
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    first = True
    while True:
        candidate = os.path.join(folder, FILE_NAME)
        if os.path.isfile(candidate):
            try:
                text, data = _read_toml(candidate)
            except ConfigError:
                if first:
                    raise
                text, data = None, None
            first = False
            if data is not None:
                table = _table_of(candidate, data)
                if table is not None:
                    return candidate, text, table
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read_toml(path: str):
    shown = _display(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{shown}: not valid UTF-8 (line {line})") from None
    try:
        # tomllib wants str; a BOM is not valid TOML but is harmless, so drop it.
        return text, tomllib.loads(text.lstrip("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML {_toml_error_position(exc)}") from None


def _toml_error_position(exc) -> str:
    """'at line L, column C: message' from a TOMLDecodeError (attributes exist only on 3.14+)."""
    lineno = getattr(exc, "lineno", None)
    colno = getattr(exc, "colno", None)
    msg = getattr(exc, "msg", None) or str(exc)
    match = re.match(r"^(.*?) \(at line (\d+), column (\d+)\)$", msg)
    if match:
        msg, lineno, colno = match.group(1), int(match.group(2)), int(match.group(3))
    elif msg.endswith(" (at end of document)"):
        return f"at end of document: {msg[: -len(' (at end of document)')]}"
    if lineno is not None and colno is not None:
        return f"at line {lineno}, column {colno}: {msg}"
    return f": {msg}"


def _table_of(path: str, data: dict) -> Optional[dict]:
    tool = data.get("tool")
    if not isinstance(tool, dict) or "lambda-lint" not in tool:
        return None
    table = tool["lambda-lint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [{TABLE}] must be a table, got {_type_name(table)}")
    return table


def _build(path: str, text: str, table: dict) -> Config:
    shown = _display(path)

    def fail(key: str, message: str):
        raise ConfigError(f"{shown}: [{TABLE}] {key}: {message}")

    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{shown}: [{TABLE}] unknown key {key!r}{_suggestion(key)}")

    config = Config(path=path, root=os.path.dirname(path), text=text)
    for key in CODE_KEYS:
        if key in table:
            setattr(config, key.replace("-", "_"), _codes(table[key], key, fail))
    for key in STRING_LIST_KEYS:
        if key in table:
            setattr(config, key.replace("-", "_"), _strings(table[key], key, fail))
    for spec in config.handlers:
        if not _is_handler_spec(spec):
            fail("handlers", f"{spec!r} is not a handler; write 'path/to/file.py:function' or 'package.module.function'")
    for name in config.extend_clients:
        if not DOTTED_NAME.match(name):
            fail("extend-clients", f"{name!r} is not a qualified name such as 'mylib.db.connect'")
    _check_extensions(config, fail)

    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            fail("per-file-ignores", f"expected a table of \"glob\" = [rule codes], got {_type_name(value)}")
        config.per_file_ignores = {
            pattern: _codes(codes, f"per-file-ignores.{_toml_key(pattern)}", fail) for pattern, codes in value.items()
        }
    if "snapstart" in table:
        value = table["snapstart"]
        if isinstance(value, bool):
            config.snapstart = value
        elif isinstance(value, list):
            config.snapstart = _strings(value, "snapstart", fail)
            for spec in config.snapstart:
                if not _is_handler_spec(spec):
                    fail("snapstart", f"{spec!r} is not a handler; write 'path/to/file.py:function' or 'package.module.function'")
        else:
            fail("snapstart", f"expected true, false or a list of handlers, got {_type_name(value)}")
    if "fix-maxsize" in table:
        value = table["fix-maxsize"]
        # bool is an int subclass in Python, but `fix-maxsize = true` is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            fail("fix-maxsize", f"expected an integer >= 1, got {_type_name(value)}")
        if value < 1:
            fail("fix-maxsize", f"expected an integer >= 1, got {value}")
        config.fix_maxsize = value
    return config


def _check_extensions(config: Config, fail) -> None:
    for name in config.extend_registries:
        if not DOTTED_NAME.match(name) or name.count(".") < 1:
            fail("extend-registries", f"{name!r} is not a qualified 'package.Class.method' such as 'acme.bus.Bus.subscribe'")
    for name in config.extend_loop_bound:
        if not DOTTED_NAME.match(name):
            fail("extend-loop-bound", f"{name!r} is not a qualified constructor such as 'acme.aio.Client'")


def _strings(value, key: str, fail) -> list:
    if not isinstance(value, list):
        hint = f" (write [{value!r}])" if isinstance(value, str) else ""
        fail(key, f"expected a list of strings, got {_type_name(value)}{hint}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            fail(key, f"expected a list of strings, but item {index + 1} is {_type_name(item)}")
    return list(value)


def _codes(value, key: str, fail) -> list:
    if not isinstance(value, list):
        hint = f' (write ["{value}"])' if isinstance(value, str) else ""
        fail(key, f"expected a list of rule codes, got {_type_name(value)}{hint}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            fail(key, f"expected a list of rule codes, but item {index + 1} is {_type_name(item)}")
        problem = code_problem(item)
        if problem:
            fail(key, problem)
    return list(value)


def _is_handler_spec(spec: str) -> bool:
    if ":" in spec:
        file_part, _, function = spec.rpartition(":")
        return bool(file_part) and DOTTED_NAME.match(function) is not None
    # A module path and a function: at least one dot.
    return "." in spec and DOTTED_NAME.match(spec) is not None


def _suggestion(key: str) -> str:
    if key.replace("_", "-") in KNOWN_KEYS:
        return f" (did you mean {key.replace('_', '-')!r}? keys are kebab-case)"
    close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (valid keys: {', '.join(sorted(KNOWN_KEYS))})"


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _type_name(value) -> str:
    names = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _display(path: str) -> str:
    """The path relative to the cwd when it is below it, else absolute: short but unambiguous."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative
