"""The language server's analysis, without the protocol: which project a document
belongs to, its configuration layered under the client's settings, and a warm
check of that project with the editor's unsaved texts.

A document's project is found as the CLI finds it for ``lambda-lint check .``
run in the project: the nearest ``pyproject.toml`` with ``[tool.lambda-lint]``
above the document (or the client's ``configPath``) decides the root; without
one, the workspace folder that holds the document (an editor's equivalent of the
folder the CLI runs in), else the document's folder.

The check is the engine's, run in steps: plan (files, declared handlers, units),
take each unit's outcome from the in-memory :class:`UnitMemo` when nothing it
read has changed, analyse the others, merge, apply ``noqa``. Units are keyed and
validated as the CLI's result cache keys them (the content of every file the
unit read, and the absence of every import it could not resolve), so an edit
re-analyses only the units whose files it touches: a handler module's own unit
and the units whose warm path reaches the edited module.

Nothing here imports pygls: the protocol layer is :mod:`.lsp`.
"""
from __future__ import annotations

import copy
import dataclasses
import io
import os
import threading
import time
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

from ..diagnostics import Diagnostic
from ..run.engine import CheckResult, Options
from ..run.merge import merge
from ..run.plan import Plan
from ..run.suppress import apply_suppressions
from ..run.units import Unit, UnitOutcome, analyse_unit
from ..settings.config import CATALOG_CODES, Config, ConfigError, code_problem, load_config
from ..settings.selection import enabled_codes

CONFIG_FILE = "pyproject.toml"


# -- client settings ---------------------------------------------------------------------------
@dataclass
class ClientSettings:
    """What the editor may set, layered over ``[tool.lambda-lint]`` as command-line options are.

    ``select`` replaces the configured selection, ``extendSelect`` and
    ``ignore`` apply after it (as ``--select``, ``--extend-select`` and
    ``--ignore``); ``unsafeFixes`` lets "fix all" apply unsafe fixes too (quick
    fixes always offer them, labelled); ``configPath`` names the
    ``pyproject.toml`` to use (relative paths from the workspace folder).
    """

    select: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    unsafe_fixes: bool = False
    config_path: Optional[str] = None
    problems: List[str] = field(default_factory=list)  # what was wrong in what the client sent
    foreign: bool = False  # the client sent settings, but none of ours (keep the current ones)

    KEYS = {"select": "select", "extendSelect": "extend_select", "ignore": "ignore",
            "unsafeFixes": "unsafe_fixes", "configPath": "config_path"}

    @classmethod
    def from_client(cls, value) -> "ClientSettings":
        """Settings from initializationOptions or workspace/didChangeConfiguration.

        Accepts the settings themselves, or them under ``settings``,
        ``lambda-lint`` or ``lambdaLint`` (how clients nest a server's section).
        Wrong values are left out and described in ``problems``.
        """
        settings = cls()
        value = _section(value)
        if not isinstance(value, dict):
            return settings
        if value and not any(key in cls.KEYS or key in cls.KEYS.values() for key in value):
            # Another tool's settings (clients send their whole configuration): nothing for us.
            settings.foreign = True
            return settings
        for key, item in value.items():
            name = cls.KEYS.get(key) or (key if key in cls.KEYS.values() else None)
            if name is None:
                if key not in ("settings", "lambda-lint", "lambdaLint"):
                    settings.problems.append(f"unknown setting {key!r}")
                continue
            if item is None:
                continue
            if name in ("select", "extend_select", "ignore"):
                codes = _code_list(item, key, settings.problems)
                if codes is not None:
                    setattr(settings, name, codes)
            elif name == "unsafe_fixes":
                if isinstance(item, bool):
                    settings.unsafe_fixes = item
                else:
                    settings.problems.append(f"{key}: expected true or false")
            elif name == "config_path":
                if isinstance(item, str) and item.strip():
                    settings.config_path = item.strip()
                elif item != "":
                    settings.problems.append(f"{key}: expected a path")
        return settings


def _section(value):
    for _ in range(3):
        if isinstance(value, dict):
            for key in ("settings", "lambda-lint", "lambdaLint"):
                if isinstance(value.get(key), dict):
                    value = value[key]
                    break
            else:
                return value
    return value


def _code_list(item, key: str, problems: List[str]) -> Optional[List[str]]:
    if isinstance(item, str):
        item = [c for c in item.replace(",", " ").split()]
    if not isinstance(item, list):
        problems.append(f"{key}: expected a list of rule codes")
        return None
    codes = []
    for code in item:
        problem = code_problem(code.strip().upper() if isinstance(code, str) else code)
        if problem:
            problems.append(f"{key}: {problem}")
        else:
            codes.append(code.strip().upper())
    if not codes and problems and item:
        return None  # nothing usable: keep the configured selection rather than an empty one
    return codes


# -- results -----------------------------------------------------------------------------------
@dataclass
class Location:
    """Where a document's analysis comes from."""

    root: str
    config: Optional[Config]
    enabled: set
    error: Optional[str] = None  # a configuration error: nothing is analysed


@dataclass
class Analysis:
    """One check of a project, as the server publishes it."""

    root: str
    diagnostics: Dict[str, List[Diagnostic]]  # absolute path -> its diagnostics (1-based, code points)
    texts: Dict[str, str]  # the text each unsaved document was analysed from
    handlers: list  # Handler records (absolute paths)
    warnings: List[str] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    error: Optional[str] = None
    units: int = 0
    analysed: int = 0  # units analysed (the rest came from the memo)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the process while analysing (the wall time suffers from a busy machine)


@dataclass
class _MemoEntry:
    key: tuple
    deps: dict
    absent: list
    outcome: UnitOutcome


class UnitMemo:
    """Unit outcomes kept in memory between edits, validated like the CLI's cache entries."""

    def __init__(self):
        self._entries: Dict[tuple, _MemoEntry] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(unit: Unit, plan: Plan, settings: str) -> tuple:
        return (settings, tuple((p, plan.digest(p), p in unit.candidates) for p in unit.roots), tuple(unit.declared))

    def lookup(self, unit: Unit, plan: Plan, settings: str) -> Optional[UnitOutcome]:
        entry = self._entries.get(tuple(unit.roots))
        if entry is None or entry.key != self.key(unit, plan, settings) or not _still_valid(entry, plan):
            self.misses += 1
            return None
        self.hits += 1
        return entry.outcome

    def store(self, unit: Unit, plan: Plan, settings: str, outcome: UnitOutcome) -> None:
        if outcome.deps is None or outcome.absent is None or outcome.internal_errors:
            self._entries.pop(tuple(unit.roots), None)
            return
        self._entries[tuple(unit.roots)] = _MemoEntry(self.key(unit, plan, settings), outcome.deps,
                                                      list(outcome.absent), outcome)

    def retain(self, units: Iterable[Unit]) -> None:
        """Forget units that are no longer part of the project (a file deleted or merged into another unit)."""
        keep = {tuple(u.roots) for u in units}
        for roots in [r for r in self._entries if r not in keep]:
            del self._entries[roots]


def _still_valid(entry: _MemoEntry, plan: Plan) -> bool:
    for path, (digest, checked) in entry.deps.items():
        if (path in plan.checked) != checked or plan.digest(path) != digest:
            return False
    return not any(os.path.isfile(path) for path in entry.absent)


class ModelCache:
    """Built modules of one project by (path, module name, bytes), the latest text of each path only.

    The unit memo saves whole units; this saves the modules of a unit that an
    edit did not touch: re-analysing a handler's unit after an edit of the
    handler parses the handler alone, not the helpers it imports.
    """

    def __init__(self):
        self._latest: Dict[tuple, tuple] = {}  # (path, module name) -> (bytes, model)

    def get(self, key: tuple):
        found = self._latest.get(key[:2])
        return found[1] if found is not None and found[0] == key[2] else None

    def __setitem__(self, key: tuple, model) -> None:
        self._latest[key[:2]] = (key[2], model)

    def __len__(self) -> int:
        return len(self._latest)


class DiscoveryMemo:
    """The project's infrastructure discovery, reused while no candidate file changed.

    Discovery reads templates and parses CDK apps, which can cost more than
    re-analysing the edited module; its result depends on the candidate files
    (found by name in one walk of the tree) and their contents, so a
    fingerprint of their paths, sizes and modification times decides whether
    to run it again. Like the CLI, discovery reads files from disk: a template
    or CDK app counts once it is saved.
    """

    def __init__(self):
        self._key = None
        self._found = None
        self.runs = 0

    def discover(self, root: str, is_excluded):
        from ..discovery import discover
        from ..discovery.walk import find_candidates

        candidates = find_candidates(root, is_excluded)
        key = (root, _fingerprint(candidates))
        if key != self._key or self._found is None:
            self._found = discover(root, is_excluded)
            self._key = key
            self.runs += 1
        return self._found


def _fingerprint(candidates) -> tuple:
    """Every candidate path the walk found (files with their size and modification time)."""
    marks = []
    for item in dataclasses.fields(candidates):
        value = getattr(candidates, item.name)
        if isinstance(value, dict):
            paths = [p for key in sorted(value) for p in [key, *value[key]]]
        else:
            paths = sorted(value) if isinstance(value, set) else list(value)
        for path in paths:
            try:
                info = os.stat(path)
                marks.append((item.name, path, info.st_size, info.st_mtime_ns, info.st_ino))
            except OSError:
                marks.append((item.name, path, None))
    return tuple(marks)


@dataclass
class _ProjectState:
    location: Location
    memo: UnitMemo = field(default_factory=UnitMemo)
    models: ModelCache = field(default_factory=ModelCache)
    discovery: DiscoveryMemo = field(default_factory=DiscoveryMemo)
    last: Optional[Analysis] = None


# -- the session -----------------------------------------------------------------------------
class Session:
    """Projects of one editor session; analyses run one at a time (see :meth:`analyse`)."""

    def __init__(self, folders: Iterable[str] = (), settings: Optional[ClientSettings] = None):
        self.folders = [os.path.abspath(f) for f in folders]
        self.settings = settings or ClientSettings()
        # Analyses change the working directory for their duration; relative paths
        # from the client are taken from the one the server started in.
        self._cwd = os.getcwd()
        self._projects: Dict[tuple, _ProjectState] = {}
        self._locations: Dict[str, Location] = {}  # folder of a document -> its location
        # Two locks: finding a document's project (the protocol thread, often) must not
        # wait for an analysis (the analysis thread, for a while).
        self._locate_lock = threading.Lock()
        self._lock = threading.Lock()

    # -- configuration ---------------------------------------------------------------
    def update(self, folders: Optional[Iterable[str]] = None, settings: Optional[ClientSettings] = None) -> None:
        with self._lock, self._locate_lock:
            if folders is not None:
                self.folders = [os.path.abspath(f) for f in folders]
            if settings is not None:
                self.settings = settings
            self._locations.clear()
            self._projects.clear()

    def configuration_changed(self) -> None:
        """A pyproject.toml changed: find every document's configuration again (the memos go too)."""
        self.update()

    def folder_of(self, path: str) -> Optional[str]:
        inside = [f for f in self.folders if path == f or path.startswith(f.rstrip(os.sep) + os.sep)]
        return max(inside, key=len) if inside else None

    def locate(self, path: str) -> Location:
        path = os.path.abspath(path)
        folder = os.path.dirname(path)
        with self._locate_lock:
            found = self._locations.get(folder)
            if found is None:
                found = self._locations[folder] = self._locate(path)
            return found

    def _locate(self, path: str) -> Location:
        workspace = self.folder_of(path)
        fallback = workspace or os.path.dirname(path)
        config_path = self.settings.config_path
        if config_path and not os.path.isabs(config_path):
            config_path = os.path.join(workspace or self._cwd, config_path)
        try:
            config = load_config(os.path.dirname(path), config_path)
        except ConfigError as exc:
            return Location(fallback, None, set(), error=str(exc))
        if config.path:
            root = os.path.abspath(config.root)
        else:
            root = fallback
            config = Config(root=root)
        try:
            enabled = self._enabled(config)
        except ConfigError as exc:
            return Location(root, config, set(), error=str(exc))
        return Location(root, config, enabled)

    def _enabled(self, config: Config) -> set:
        s = self.settings
        return enabled_codes(CATALOG_CODES, select=config.select, extend_select=config.extend_select,
                             ignore=config.ignore, cli_select=s.select, cli_extend_select=s.extend_select,
                             cli_ignore=s.ignore)

    def last_analysis(self, path: str) -> Optional[Analysis]:
        location = self.locate(path)
        state = self._projects.get(_project_key(location))
        return state.last if state is not None else None

    # -- analysis --------------------------------------------------------------------
    def analyse(self, path: str, documents: Dict[str, str]) -> Analysis:
        """Check the project of ``path`` with ``documents`` (absolute path -> unsaved text) over the disk.

        Runs in the caller's thread with the working directory set to the
        project root for the duration (reported paths, project discovery and
        the planner are relative to it, as in ``cd ROOT && lambda-lint check
        .``); calls are serialised.
        """
        location = self.locate(path)
        started, cpu_started = time.perf_counter(), time.process_time()
        if location.error:
            return Analysis(location.root, {}, {}, [], error=location.error)
        key = _project_key(location)
        with self._lock:
            state = self._projects.get(key)
            if state is None:
                state = self._projects[key] = _ProjectState(location)
            contents = {p: encode_text(t) for p, t in documents.items() if _inside(p, location.root)}
            previous = os.getcwd()
            os.chdir(location.root)
            try:
                result, units, analysed = self._check(state, contents)
            finally:
                os.chdir(previous)
            by_path: Dict[str, List[Diagnostic]] = {}
            for d in result.diagnostics:
                by_path.setdefault(os.path.normpath(os.path.join(location.root, d.path)), []).append(d)
            analysis = Analysis(
                root=location.root,
                diagnostics=by_path,
                texts={p: documents[p] for p in documents if _inside(p, location.root)},
                handlers=list(result.handlers),
                warnings=list(result.errors) + list(result.warnings),
                internal_errors=list(result.internal_errors),
                units=units,
                analysed=analysed,
                seconds=time.perf_counter() - started,
                cpu_seconds=time.process_time() - cpu_started,
            )
            state.last = analysis
            return analysis

    def _check(self, state: _ProjectState, contents: Dict[str, bytes]):
        location = state.location
        result = CheckResult()
        options = Options(enabled=location.enabled, contents=contents, jobs=1, use_cache=False,
                          discovery=state.discovery)
        plan = Plan(["."], location.config, options, result)
        units = plan.units()
        settings = _settings_key(plan)
        outcomes: List[Optional[UnitOutcome]] = []
        todo = []
        for i, unit in enumerate(units):
            hit = state.memo.lookup(unit, plan, settings)
            outcomes.append(hit)
            if hit is None:
                todo.append(i)
        if todo:
            setup = dataclasses.replace(plan.setup(), shared_models=state.models)
            for i in todo:
                # Plain outcomes: the fixes keep their text edits, and no parsed tree stays in memory.
                outcome = analyse_unit(setup, units[i])
                outcomes[i] = outcome
                state.memo.store(units[i], plan, settings, outcome)
        state.memo.retain(units)
        merge(plan, outcomes, result)
        apply_suppressions(result, location.config)
        return result, len(units), len(todo)


def _project_key(location: Location) -> tuple:
    return (location.root, getattr(location.config, "path", None), tuple(sorted(location.enabled)))


def _settings_key(plan: Plan) -> str:
    """The plan's settings key without the unsaved texts (the memo checks those file by file)."""
    shadow = copy.copy(plan)
    shadow.contents = {}
    return shadow.settings_key()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def encode_text(text: str) -> bytes:
    """An editor's text as the bytes the file would hold: in its PEP 263 encoding when it declares one."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return data
