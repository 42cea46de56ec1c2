"""What every source shares: the result types, handler-string resolution, and the
collector that turns declarations into handlers, covered files and warnings.

A handler string is resolved the way the Lambda Python runtime does it:
``"a/b/mod.func"`` is split at its last dot, ``/`` in the module part means the
same as ``.`` (the runtime replaces one by the other before importing), and the
module is ``<code_root>/a/b/mod.py`` or the package ``<code_root>/a/b/mod/__init__.py``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ..analysis.sources import ParseFailure, read_bytes
from .wrappers import is_vendor_module, wrapper_of
from .yaml_lines import LoadError, load_documents

# Folders never worth walking: tool output, dependencies and build copies of the
# code (a build folder holds a second copy of every handler, which would be
# reported twice).
SKIPPED_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
        ".aws-sam", "cdk.out", ".serverless", ".terraform", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
        ".lambda_lint_cache",  # our own cache: its JSON entries are not templates
    }
)

MAX_WARNING_CHARS = 200
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class DeclaredHandler:
    module_file: Optional[str]  # absolute path of the .py file; None if no such file exists
    function: str  # function name inside that module
    source: str  # sam, cloudformation, serverless, cdk, terraform, chalice, docker, asgi
    declared_in: str  # absolute path of the file that names the handler
    declared_line: int  # 1-based line of that file naming the handler
    spec: str  # the handler string as written ("orders.process", "src/ingest.run")
    code_root: Optional[str]  # absolute folder the module is resolved from
    # The deployment turns Lambda SnapStart on for this function (LAM6xx apply).
    # Only a literal "on" counts: a parameter or variable we cannot read is off.
    snapstart: bool = False


@dataclass(frozen=True)
class EnvValue:
    """An environment variable of a deployed function, as written, and the line that sets it."""

    value: object  # a str when literal; anything else (an intrinsic, a number) cannot name a handler
    line: int
    path: Optional[str] = None  # the file that sets it, when not the one declaring the handler


@dataclass
class Discovery:
    handlers: list = field(default_factory=list)  # DeclaredHandler
    covered_files: set = field(default_factory=set)  # .py files under declared code roots
    warnings: list = field(default_factory=list)  # "path:line: message", the path relative to the root
    import_roots: list = field(default_factory=list)  # layer and src-layout folders imports resolve from
    # warning -> the code folder it is about, when known: "not analysed" is only true
    # if no handler found there some other way (the naming convention)
    warning_scopes: dict = field(default_factory=dict)
    files_read: set = field(default_factory=set)  # infrastructure files that were read (handlers --explain)


def is_python_runtime(runtime) -> bool:
    """True unless a runtime is given and is plainly not Python.

    Intrinsics, variables and other values we cannot read keep the function:
    dropping a real Python function is worse than checking one more module.
    """
    if not isinstance(runtime, str):
        return True
    text = runtime.strip().lower()
    if not text or "${" in text:
        return True
    return text.startswith("python")


def inside(path: str, folder: str) -> bool:
    path, folder = os.path.normpath(path), os.path.normpath(folder)
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


def import_root_of(module_file: str) -> str:
    """The folder a module is imported from: above every package (``__init__.py``) it sits in."""
    folder = os.path.dirname(module_file)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def dotted_module_name(module_file: str, import_root: str) -> str:
    rel = os.path.relpath(module_file, import_root)
    rel = rel[: -len(".py")] if rel.endswith(".py") else rel
    parts = rel.split(os.sep)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def split_handler(spec: str) -> Optional[Tuple[List[str], str]]:
    """``"a/b/mod.func"`` -> (["a", "b", "mod"], "func"); None if it is not module.function.

    ``..`` segments are kept so that the outside-the-tree check can see them.
    """
    text = spec.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    if "." not in text:
        return None
    module, function = text.rsplit(".", 1)
    if not _IDENTIFIER.match(function):
        return None
    parts: List[str] = []
    for segment in module.split("/"):
        if segment == "..":
            parts.append(segment)
        else:
            parts.extend(segment.split("."))
    if not parts or any(part == "" for part in parts):
        return None
    return parts, function


_OTHER_LANGUAGES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".rb", ".go", ".java", ".cs", ".sh", ".php", ".ps1", ".rs")


def _written_in_another_language(code_root: str, module_parts: List[str], spec: str) -> bool:
    """The handler names a file of another language (``handler.js``) or a script (``run.sh``)."""
    base = os.path.normpath(os.path.join(code_root, *module_parts))
    if any(os.path.isfile(base + ext) for ext in _OTHER_LANGUAGES):
        return True
    return os.path.isfile(os.path.join(code_root, spec))


def module_candidates(code_root: str, module_parts: List[str]) -> List[str]:
    base = os.path.normpath(os.path.join(code_root, *module_parts))
    return [base + ".py", os.path.join(base, "__init__.py")]


# AWS_LAMBDA_EXEC_WRAPPER of the Lambda Web Adapter layer (awslabs/aws-lambda-web-adapter).
WEB_ADAPTER_BOOTSTRAP = "/opt/bootstrap"


class Collector:
    """Gathers the findings of all sources for one checked folder."""

    def __init__(self, root: str, is_excluded: Callable[[str], bool]):
        self.root = root
        self.is_excluded = is_excluded
        self.handlers: List[DeclaredHandler] = []
        self.warnings: List[str] = []
        self._covered_roots: Set[str] = set()
        self._covered_files: Set[str] = set()
        self.import_roots: List[str] = []
        self.warning_scopes: Dict[str, str] = {}
        self.files_read: Set[str] = set()

    # -- warnings -------------------------------------------------------------
    def warn(self, path: str, line: Optional[int], message: str, scope: Optional[str] = None) -> None:
        """Record ``path:line: message``; ``scope`` is the code folder the message says is not analysed."""
        # One line, and short: parser messages can quote whole lines of input.
        message = " ".join(message.split())
        if len(message) > MAX_WARNING_CHARS:
            message = message[: MAX_WARNING_CHARS - 3] + "..."
        shown = os.path.relpath(path, self.root) if inside(path, self.root) else path
        text = f"{shown}:{line or 1}: {message}"
        self.warnings.append(text)
        if scope is not None:
            self.warning_scopes[text] = scope

    def add_import_root(self, folder: str) -> None:
        folder = os.path.normpath(folder)
        if folder not in self.import_roots and inside(folder, self.root):
            self.import_roots.append(folder)

    # -- reading --------------------------------------------------------------
    def read_text(self, path: str, data: Optional[bytes] = None) -> Optional[str]:
        """The file as UTF-8 text, or None after a warning saying why not."""
        if data is None:
            data = read_bytes(path)
            if isinstance(data, ParseFailure):
                self.warn(path, data.line, f"cannot read infrastructure file: {data.reason}")
                return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.warn(path, line, "infrastructure file is not valid UTF-8; not read")
            return None

    # -- paths ----------------------------------------------------------------
    def local_folder(self, base: str, relative: str, what: str, declared_in: str, line: int) -> Optional[str]:
        """``base/relative`` as an absolute folder inside the checked tree, or None after a warning.

        A path to a zip file stands for the folder it was built from when a
        folder of the same name without ``.zip`` exists (``build/jobs.zip`` ->
        ``build/jobs``): that is the usual ``zip -r x.zip x`` layout.
        """
        folder = os.path.normpath(os.path.join(base, relative))
        if not inside(folder, self.root):
            self.warn(declared_in, line, f"{what} '{relative}' points outside the checked folder; not analysed")
            return None
        if folder.lower().endswith(".zip"):
            unpacked = folder[: -len(".zip")]
            if os.path.isdir(unpacked):
                return unpacked
            self.warn(declared_in, line, f"{what} '{relative}' is a zip archive whose source folder cannot be found; not analysed")
            return None
        if os.path.isfile(folder):
            self.warn(declared_in, line, f"{what} '{relative}' is a file, not a code folder; not analysed")
            return None
        return folder

    # -- handlers -------------------------------------------------------------
    def add_spec(
        self,
        spec: str,
        source: str,
        declared_in: str,
        declared_line: int,
        code_root: str,
        covered: Optional[Iterable[str]] = None,
        environment: Optional[Dict[str, EnvValue]] = None,
        layered: bool = False,
        snapstart: bool = False,
        installs_packages: bool = False,
    ) -> Optional[DeclaredHandler]:
        """Resolve a handler string against its code root and record it.

        ``covered`` lists the files (or folders) the function deploys when that
        is narrower than the whole code root (a single-file archive).
        ``environment`` is the function's environment: a tracing wrapper's
        handler is replaced by the real one that its variable names.
        ``layered``: the function has layers, so a module missing from the
        project may come from one (a warning, not LAM002).
        ``snapstart``: the deployment turns SnapStart on for the function.
        ``installs_packages``: the image installs packages (pip, uv, poetry), so a module
        missing from the project may be one of them (a warning, not LAM002).
        """
        exec_wrapper = (environment or {}).get("AWS_LAMBDA_EXEC_WRAPPER")
        if exec_wrapper is not None and exec_wrapper.value == WEB_ADAPTER_BOOTSTRAP:
            # The Lambda Web Adapter starts the web server itself (its startup script usually
            # replaces the Handler after synthesis): the handler setting names no Python function.
            self.warn(declared_in, declared_line, f"handler '{spec}' runs behind the Lambda Web Adapter "
                      f"(AWS_LAMBDA_EXEC_WRAPPER={WEB_ADAPTER_BOOTSTRAP}); its web app is checked by convention only")
            return None
        wrapper = wrapper_of(spec)
        if wrapper is not None:
            found = next(((name, (environment or {})[name]) for name in wrapper.variables if name in (environment or {})), None)
            if found is None:
                self.warn(declared_in, declared_line, f"handler '{spec}' is the {wrapper.vendor} wrapper, and "
                          f"{wrapper.variables[0]} (the real handler) is not set here; not analysed")
                return None
            name, value = found
            if not isinstance(value.value, str) or "${" in value.value or not value.value.strip():
                self.warn(value.path or declared_in, value.line, f"{name} (the handler behind the {wrapper.vendor} "
                          "wrapper) is not a literal string; not analysed")
                return None
            spec, declared_line = value.value.strip(), value.line
            declared_in = value.path or declared_in
        split = split_handler(spec)
        if split is None:
            self.warn(declared_in, declared_line, f"handler '{spec}' is not of the form module.function; not analysed")
            return None
        module_parts, function = split
        candidates = module_candidates(code_root, module_parts)
        if not inside(candidates[0], self.root) or not inside(code_root, self.root):
            self.warn(declared_in, declared_line, f"handler '{spec}' points outside the checked folder; not analysed")
            return None
        module_file = next((c for c in candidates if os.path.isfile(c)), None)
        if module_file is None and _written_in_another_language(code_root, module_parts, spec):
            return None  # a Node.js/shell/... function: not ours to check
        if module_file is None and is_vendor_module(module_parts):
            self.warn(declared_in, declared_line, f"handler '{spec}' is a vendor library's, not part of this project; not analysed")
            return None
        if module_file is None and (layered or installs_packages) and os.path.isdir(code_root):
            origin = "one of the function's layers" if layered else "a package the image installs"
            self.warn(declared_in, declared_line, f"handler '{spec}' is not in the project and may come from "
                      f"{origin}; not analysed")
            return None
        if module_file is None and not os.path.isdir(code_root):
            # Build output (dist/, .aws-sam/build) or a documentation snippet: nothing to check.
            self.warn(declared_in, declared_line, f"code folder of handler '{spec}' does not exist; not analysed")
            return None
        handler = DeclaredHandler(
            module_file=module_file,
            function=function,
            source=source,
            declared_in=declared_in,
            declared_line=declared_line,
            spec=spec,
            code_root=code_root,
            snapstart=snapstart,
        )
        self.handlers.append(handler)
        self.cover(covered if covered is not None else [code_root])
        return handler

    def add_function(self, module_file: str, function: str, source: str, declared_line: int, covered: Iterable[str]) -> DeclaredHandler:
        """Record a handler found in Python code itself (Chalice, ASGI): the module declares it."""
        code_root = import_root_of(module_file)
        spec = f"{dotted_module_name(module_file, code_root)}.{function}"
        handler = DeclaredHandler(module_file, function, source, module_file, declared_line, spec, code_root)
        self.handlers.append(handler)
        self.cover(covered)
        return handler

    def cover(self, paths: Iterable[str]) -> None:
        for path in paths:
            if path.endswith(".py") and not os.path.isdir(path):
                if os.path.isfile(path):
                    self._covered_files.add(os.path.normpath(path))
            else:
                self._covered_roots.add(os.path.normpath(path))

    def covered_files(self) -> Set[str]:
        files = set(self._covered_files)
        walked: List[str] = []
        for folder in sorted(self._covered_roots, key=len):
            if any(inside(folder, done) for done in walked):
                continue  # already walked as part of an enclosing code root
            walked.append(folder)
            files.update(python_files_under(folder, self.is_excluded))
        return files


def python_files_under(folder: str, is_excluded: Callable[[str], bool]) -> Set[str]:
    found: Set[str] = set()
    if not os.path.isdir(folder):
        return found
    for current, dirnames, filenames in os.walk(folder):
        if "pyvenv.cfg" in filenames:  # a virtualenv: installed code, not the project's
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_FOLDERS and not is_excluded(os.path.join(current, d))]
        for name in filenames:
            if name.endswith(".py"):
                path = os.path.join(current, name)
                if not is_excluded(path):
                    found.add(path)
    return found


def line_of_offset(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def first_line_containing(text: str, needle: str, default: int = 1) -> int:
    offset = text.find(needle)
    return line_of_offset(text, offset) if offset >= 0 else default


def nearest_marker_folder(start: str, root: str, marker_folders: Set[str]) -> Optional[str]:
    """The closest folder from ``start`` up to ``root`` that is in ``marker_folders``."""
    folder = start
    while True:
        if folder in marker_folders:
            return folder
        if folder == root or not inside(folder, root):
            return None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def candidate_texts(paths: Iterable[str], collector: "Collector", read, markers) -> Iterator[Tuple[str, str]]:
    """(path, text) of each candidate file that mentions one of ``markers`` and can be decoded
    (the others are skipped, with a warning from the collector where it is worth one)."""
    for path in paths:
        data = read(path, markers)
        if data is None:
            continue
        text = collector.read_text(path, data)
        if text is not None:
            yield path, text


def yaml_candidates(paths: Iterable[str], collector: "Collector", read, markers) -> Iterator[Tuple[str, str, list]]:
    """(path, text, documents) of each candidate YAML/JSON file that loads; a file that does not is warned about."""
    for path, text in candidate_texts(paths, collector, read, markers):
        try:
            documents = load_documents(path, text)
        except LoadError as exc:
            collector.warn(path, exc.line, exc.message)
            continue
        yield path, text, documents
