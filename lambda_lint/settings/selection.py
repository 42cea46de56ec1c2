"""Which rule codes are on, with Ruff's selection semantics, and per-file ignores.

Selectors are codes or prefixes ("LAM", "LAM4", "LAM401"). Within one layer of
options, every code is decided by the most specific (longest) selector that
matches it; on a tie, ignore wins. Codes no selector matches keep the state
they had before the layer.

Two layers are applied, the command line after the configuration, so a CLI
option beats a config option whatever their specificity:

1. configuration: ``select`` (replaced by ``--select`` when that is given),
   ``extend-select`` and ``ignore``; an empty select means the default set,
   which is every code but :data:`DEFAULT_OFF`;
2. command line: ``--extend-select`` and ``--ignore``.

Unlike Ruff, ``--select`` replaces only the configured ``select``: the
configured ``ignore`` and ``extend-select`` still apply.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Optional

# Rules too noisy to be on unless asked for (selecting them or a prefix of them).
DEFAULT_OFF = ("LAM003", "LAM403")
ALWAYS_ON = "LAM001"


def enabled_codes(
    all_codes: Iterable[str],
    select: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    cli_select: Optional[Iterable[str]] = None,
    cli_extend_select: Iterable[str] = (),
    cli_ignore: Iterable[str] = (),
    select_set: bool = False,
) -> set:
    """The enabled codes. ``select_set``: the configuration wrote ``select`` (even ``select = []``,
    which selects nothing, as in Ruff)."""
    codes = set(all_codes)
    chosen = _normalized(cli_select if cli_select is not None else select)
    if chosen or (cli_select is None and select_set):
        enabled = set()
    else:
        enabled = {code for code in codes if code not in DEFAULT_OFF}
    enabled = _apply_layer(codes, enabled, chosen + _normalized(extend_select), _normalized(ignore))
    enabled = _apply_layer(codes, enabled, _normalized(cli_extend_select), _normalized(cli_ignore))
    # Like Ruff's syntax errors, LAM001 (a file that cannot be read or parsed)
    # is not a rule a prefix can turn off: only its exact code in an ignore list.
    if ALWAYS_ON in codes and ALWAYS_ON not in _normalized(ignore) + _normalized(cli_ignore):
        enabled.add(ALWAYS_ON)
    return enabled


def _apply_layer(codes: set, enabled: set, selects: list, ignores: list) -> set:
    result = set()
    for code in codes:
        selected = _longest_match(code, selects)
        ignored = _longest_match(code, ignores)
        if selected < 0 and ignored < 0:
            on = code in enabled
        else:
            on = selected > ignored
        if on:
            result.add(code)
    return result


def _longest_match(code: str, prefixes: list) -> int:
    """Length of the longest prefix of ``code`` among ``prefixes``; -1 if none."""
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def _normalized(selectors) -> list:
    return [s.strip().upper() for s in (selectors or ()) if s.strip()]


def ignored_for_file(path_relative_to_root: str, per_file_ignores: dict) -> set:
    """The codes/prefixes that ``per-file-ignores`` turns off for this file.

    Patterns are matched the way .gitignore matches them: see :func:`glob_matches`.
    """
    ignored = set()
    for pattern, codes in per_file_ignores.items():
        if glob_matches(pattern, path_relative_to_root):
            ignored.update(_normalized(codes))
    return ignored


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a gitignore-style glob matches ``path`` (relative to the root, "/" or "\\" separated).

    * ``*`` and ``?`` stay within one path segment, ``[...]`` is a character class;
    * ``**`` spans any number of folders (``**/test_*.py``, ``src/**``);
    * a pattern without a "/" (other than a trailing one) matches a name in any
      folder, like Ruff's per-file-ignores: ``conftest.py``, ``migrations``;
    * a pattern that matches a folder matches every file below it
      (``tests`` or ``tests/`` covers ``tests/unit/test_a.py``);
    * a trailing "/" matches folders only.
    """
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    pattern = pattern.replace("\\", "/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    folders_only = pattern.endswith("/")
    anywhere = "/" not in pattern.rstrip("/")  # a leading "/" anchors, as in .gitignore
    pattern = pattern.strip("/")
    if not pattern or not parts:
        return False
    regex = _compile(pattern)
    # Candidates: the whole path and each folder above the file, as prefixes of
    # the path (anchored patterns) or as single names (unanchored ones).
    last = len(parts) - 1 if folders_only else len(parts)
    for end in range(1, last + 1):
        if anywhere:
            candidate = parts[end - 1]
        else:
            candidate = "/".join(parts[:end])
        if regex.match(candidate):
            return True
    return False


@functools.lru_cache(maxsize=512)
def _compile(pattern: str):
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")  # zero or more folders
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                # A class never matches the separator, like * and ?.
                out.append("(?!/)[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")
