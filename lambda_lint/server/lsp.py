"""``lambda-lint server``: the Language Server Protocol over stdio, on pygls.

What an editor gets:

* diagnostics for every open document of a project, on open, on change
  (debounced by :data:`DEBOUNCE_SECONDS`) and on save, from the project's
  analysis with the unsaved text of every open document (:mod:`.session`);
* code actions: each finding's fix as a quick fix (safe ones preferred, unsafe
  ones labelled), "ignore on this line" (``# noqa: CODE``), "show
  documentation"; and ``source.fixAll.lambda-lint``;
* hover on a finding: the rule's "why";
* a code lens on each handler (how it was found, which template declared it)
  and the ``lambda-lint.handlers`` command.

Analyses run one at a time in a daemon thread, so the protocol stays
responsive and ``exit`` never waits for one. Every handler is guarded: a bug of
ours becomes one line in the client's log, never a traceback or a dead server.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..diagnostics import Diagnostic, Edit
from ..fixes.edits import line_spans, overlaps, split_lines
from ..output.levels import level_for
from ..rules.docs import help_uri, rule_class, sections
from ..settings.suppression import add_noqa
from .session import Analysis, ClientSettings, Session

NAME = "lambda-lint"
DEBOUNCE_SECONDS = 0.1
FIX_ALL_KIND = "source.fixAll.lambda-lint"
COMMAND_HANDLERS = "lambda-lint.handlers"
COMMAND_DOCS = "lambda-lint.showDocumentation"
COMMAND_OPEN = "lambda-lint.openDeclaration"
NOQA_EXEMPT = ("LAM001", "LAM002")  # never silenced by a line comment (see run/suppress.py)

log = logging.getLogger("lambda_lint.server")


# -- positions ---------------------------------------------------------------------------------
class Lines:
    """A text's lines (Python's line ends, as libcst counts them) and the client's column units."""

    def __init__(self, text: str, units: Callable[[str], int]):
        self.lines = [line.rstrip("\r\n") for line in split_lines(text)]
        if not self.lines or text.endswith(("\n", "\r")):
            self.lines.append("")
        self.units = units

    def position(self, line: int, column: int) -> types.Position:
        """1-based line and code-point column -> 0-based LSP position in client units."""
        index = line - 1
        if index < 0:
            return types.Position(0, 0)
        if index >= len(self.lines):  # past the end: the end of the document
            return types.Position(len(self.lines) - 1, self.units(self.lines[-1]))
        text = self.lines[index]
        return types.Position(index, self.units(text[: max(column - 1, 0)]))

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        start = self.position(line, column)
        end = self.position(end_line, end_column)
        if (end.line, end.character) <= (start.line, start.character):
            # A point (LAM001, LAM002): the rest of the line, so that editors can show it.
            rest = self.units(self.lines[start.line]) if start.line < len(self.lines) else 0
            end = types.Position(start.line, max(rest, start.character))
        return types.Range(start, end)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- what was published ------------------------------------------------------------------------
@dataclass
class Published:
    """The findings last published for one document, with the text they refer to."""

    uri: str
    version: Optional[int]
    text: str
    items: List[Tuple[Diagnostic, types.Diagnostic]] = field(default_factory=list)


def to_lsp(d: Diagnostic, lines: Lines) -> types.Diagnostic:
    message = d.message
    if d.suggestion:
        message += f"\nhelp: {d.suggestion}"
    return types.Diagnostic(
        range=lines.range(d.line, d.column, d.end_line, d.end_column),
        message=f"{d.name}: {message}",
        severity=types.DiagnosticSeverity.Error if level_for(d.code) == "error" else types.DiagnosticSeverity.Warning,
        code=d.code,
        code_description=types.CodeDescription(href=help_uri(d.code)),
        source=NAME,
        data={"name": d.name, "fix": d.fix.safety if d.fix is not None and d.fix.edits else None},
    )


def text_edits(edits: List[Edit], lines: Lines) -> List[types.TextEdit]:
    return [types.TextEdit(range=types.Range(lines.position(e.line, e.column), lines.position(e.end_line, e.end_column)),
                           new_text=e.content) for e in edits]


# -- code actions, hover, lenses (pure: tested in-process) ---------------------------------------------
def code_actions(published: Published, request: types.CodeActionParams, units, unsafe_fixes: bool,
                 current_version: Optional[int]) -> List[types.CodeAction]:
    """The quick fixes, ``# noqa`` and documentation actions for the findings a request is about."""
    only = request.context.only
    wanted = [_matching(published, d) for d in request.context.diagnostics if d.source == NAME]
    items = [item for item in wanted if item is not None]
    if not request.context.diagnostics:
        items = [item for item in published.items if _overlap(item[1].range, request.range)]
    stale = current_version is not None and published.version is not None and current_version != published.version
    lines = Lines(published.text, units)
    actions: List[types.CodeAction] = []
    if not only or any(k == types.CodeActionKind.QuickFix or k.startswith("quickfix") for k in only):
        for diagnostic, lsp_diagnostic in items:
            fix = diagnostic.fix
            if fix is not None and fix.edits and not stale:
                unsafe = fix.safety != "safe"
                actions.append(types.CodeAction(
                    title=f"{fix.description} ({diagnostic.code}{', unsafe fix' if unsafe else ''})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp_diagnostic],
                    is_preferred=not unsafe,
                    edit=types.WorkspaceEdit(changes={published.uri: text_edits(fix.edits, lines)}),
                ))
        for diagnostic, lsp_diagnostic in items:
            edit = None if stale else noqa_edit(diagnostic, lines)
            if edit is not None:
                actions.append(types.CodeAction(
                    title=f"Ignore {diagnostic.code} on this line (# noqa: {diagnostic.code})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp_diagnostic],
                    edit=types.WorkspaceEdit(changes={published.uri: [edit]}),
                ))
        for code, name, lsp_diagnostic in _unique_codes(items):
            title = f"Show documentation for {code} ({name})"
            actions.append(types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[lsp_diagnostic],
                command=types.Command(title=title, command=COMMAND_DOCS, arguments=[code]),
            ))
    if not stale and only and any(FIX_ALL_KIND.startswith(k) for k in only):
        edits = fix_all_edits(published, unsafe_fixes)
        if edits:
            actions.append(types.CodeAction(
                title="lambda-lint: fix all" + (" (including unsafe fixes)" if unsafe_fixes else ""),
                kind=FIX_ALL_KIND,
                edit=types.WorkspaceEdit(changes={published.uri: text_edits(edits, lines)}),
            ))
    return actions


def fix_all_edits(published: Published, unsafe_fixes: bool) -> List[Edit]:
    """One round of the CLI's ``--fix`` on this document: fixes that touch distinct lines.

    An exclusive fix (it adds module-level names or imports) only goes alone;
    the rest are applied on the next "fix all", against the re-analysed text.
    """
    chosen: List[Diagnostic] = []
    taken: list = []
    for diagnostic, _ in published.items:
        fix = diagnostic.fix
        if fix is None or not fix.edits or (fix.safety != "safe" and not unsafe_fixes):
            continue
        exclusive = getattr(fix, "exclusive", False)
        if chosen and (exclusive or any(getattr(c.fix, "exclusive", False) for c in chosen)):
            continue
        if overlaps(fix.edits, taken):
            continue
        chosen.append(diagnostic)
        taken.extend(line_spans(fix.edits))
    return [e for d in chosen for e in d.fix.edits]


def noqa_edit(diagnostic: Diagnostic, lines: Lines) -> Optional[types.TextEdit]:
    if diagnostic.code in NOQA_EXEMPT or not (0 < diagnostic.line <= len(lines.lines)):
        return None
    body = lines.lines[diagnostic.line - 1]
    new = add_noqa(body, [diagnostic.code])
    if new == body:
        return None
    index = diagnostic.line - 1
    return types.TextEdit(range=types.Range(types.Position(index, 0), types.Position(index, lines.units(body))),
                          new_text=new)


def hover(published: Published, position: types.Position) -> Optional[types.Hover]:
    found = [(d, lsp) for d, lsp in published.items if _contains(lsp.range, position)]
    if not found:
        return None
    parts = []
    for diagnostic, _ in found:
        parts.append(rule_why_markdown(diagnostic))
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
                       range=found[0][1].range)


def rule_why_markdown(diagnostic: Diagnostic) -> str:
    text = [f"**{diagnostic.code}** `{diagnostic.name}`: {diagnostic.message}"]
    if diagnostic.suggestion:
        text.append(f"*help:* {diagnostic.suggestion}")
    try:
        why = sections(rule_class(diagnostic.code))["why"]
    except KeyError:
        why = ""
    if why:
        text.append(f"**Why is this bad?**\n\n{why}")
    text.append(f"[{diagnostic.code} documentation]({help_uri(diagnostic.code)})")
    return "\n\n".join(text)


def handler_lenses(analysis: Optional[Analysis], path: str) -> List[types.CodeLens]:
    if analysis is None:
        return []
    lenses = []
    for handler in analysis.handlers:
        if os.path.normpath(handler.path) != path:
            continue
        line = max(handler.line - 1, 0)
        where = ""
        if handler.declared_in:
            where = f" in {_relative(handler.declared_in, analysis.root)}:{handler.declared_line}"
            command = types.Command(title=f"λ Lambda handler ({handler.source}{where})", command=COMMAND_OPEN,
                                    arguments=[from_fs_path(handler.declared_in), handler.declared_line or 1])
        else:
            command = types.Command(title=f"λ Lambda handler ({handler.source})", command=COMMAND_HANDLERS,
                                    arguments=[from_fs_path(path)])
        lenses.append(types.CodeLens(range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                                     command=command))
    return lenses


def handlers_json(analysis: Optional[Analysis]) -> List[dict]:
    if analysis is None:
        return []
    out = []
    for h in analysis.handlers:
        item = h.to_json()
        item["path"] = _relative(h.path, analysis.root)
        if h.declared_in:
            item["declared_in"] = _relative(h.declared_in, analysis.root)
        item["uri"] = from_fs_path(h.path)
        out.append(item)
    return out


def _relative(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def _matching(published: Published, d: types.Diagnostic):
    for item in published.items:
        lsp = item[1]
        if lsp.code == d.code and lsp.range == d.range:
            return item
    return None


def _unique_codes(items):
    seen = set()
    for diagnostic, lsp in items:
        if diagnostic.code not in seen:
            seen.add(diagnostic.code)
            yield diagnostic.code, diagnostic.name, lsp


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _overlap(a: types.Range, b: types.Range) -> bool:
    return not _before(a.end, b.start) and not _before(b.end, a.start)


def _contains(r: types.Range, p: types.Position) -> bool:
    return not _before(p, r.start) and not _before(r.end, p)


# -- the server --------------------------------------------------------------------------------
class LambdaLintServer(LanguageServer):
    def __init__(self):
        super().__init__(NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self.debounce = DEBOUNCE_SECONDS
        self.published: Dict[str, Published] = {}  # uri -> what it shows
        self._timers: Dict[str, asyncio.TimerHandle] = {}  # project root -> pending analysis
        self._running: Dict[str, asyncio.Future] = {}
        self._again: Dict[str, str] = {}  # project root -> a document to analyse after the running one
        self._shut_down = False
        self._shown: set = set()  # error messages already shown to the user

    # -- scheduling ------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        path = _path(uri)
        if path is None or self._shut_down:
            return
        root = self.session.locate(path).root
        timer = self._timers.pop(root, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[root] = loop.call_later(delay, self._start, root, path)

    def schedule_all(self, delay: float = 0.0) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, delay)

    def _start(self, root: str, path: str) -> None:
        self._timers.pop(root, None)
        if root in self._running:
            self._again[root] = path
            return
        self._running[root] = asyncio.ensure_future(self._analyse(root, path))

    async def _analyse(self, root: str, path: str) -> None:
        try:
            documents, versions = self._open_documents()
            analysis = await _in_thread(self.session.analyse, path, documents)
            if not self._shut_down:
                self._publish(analysis, documents, versions)
        except Exception as exc:  # noqa: BLE001 - one line in the log; the server goes on
            self.log_line(f"analysis of {path} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        finally:
            self._running.pop(root, None)
            again = self._again.pop(root, None)
            if again is not None and not self._shut_down:
                self._start(root, again)

    def _open_documents(self):
        documents, versions = {}, {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = _path(uri)
            if path is not None:
                documents[path] = document.source
                versions[path] = (uri, document.version)
        return documents, versions

    def _publish(self, analysis: Analysis, documents: Dict[str, str], versions: Dict[str, tuple]) -> None:
        if analysis.error and analysis.error not in self._shown:
            # Once per distinct error, not on every keystroke.
            self._shown.add(analysis.error)
            self.log_line(f"configuration error: {analysis.error}", types.MessageType.Error)
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"lambda-lint: {analysis.error}"))
        for message in analysis.internal_errors:
            self.log_line(message, types.MessageType.Error)
        units = self.position_units()
        for path, (uri, version) in versions.items():
            if path not in analysis.texts:
                continue
            text = documents[path]
            lines = Lines(text, units)
            items = [(d, to_lsp(d, lines)) for d in analysis.diagnostics.get(path, [])]
            self.published[uri] = Published(uri, version, text, items)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=[lsp for _, lsp in items]))
        self.log_line(f"{analysis.root}: {analysis.analysed} of {analysis.units} units analysed in "
                      f"{analysis.seconds * 1000:.0f} ms ({analysis.cpu_seconds * 1000:.0f} ms CPU)", types.MessageType.Log)

    def position_units(self) -> Callable[[str], int]:
        try:
            return self.workspace.position_codec.client_num_units
        except Exception:  # noqa: BLE001 - before initialize: LSP's default, UTF-16
            return utf16_units

    def log_line(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.window_log_message(types.LogMessageParams(kind, message.replace("\n", " ")))
        except Exception:  # noqa: BLE001 - no client to tell
            pass

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def shutting_down(self) -> None:
        self._shut_down = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def folders(self) -> List[str]:
        out = []
        try:
            for folder in self.workspace.folders.values():
                path = _path(folder.uri)
                if path:
                    out.append(path)
            if not out and self.workspace.root_uri:
                path = _path(self.workspace.root_uri)
                if path:
                    out.append(path)
        except Exception:  # noqa: BLE001 - no workspace yet
            pass
        return out

    def apply_settings(self, value) -> None:
        settings = ClientSettings.from_client(value)
        if settings.foreign:
            return
        for problem in settings.problems:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning,
                                                             f"lambda-lint settings: {problem}"))
        self.session.update(folders=self.folders(), settings=settings)


def _path(uri: str) -> Optional[str]:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return os.path.normpath(path) if path else None


async def _in_thread(fn, *args):
    """Run ``fn`` in a daemon thread (an analysis never keeps an exiting server alive)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def done(value, error):
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work():
        try:
            value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            loop.call_soon_threadsafe(done, None, exc)
        else:
            loop.call_soon_threadsafe(done, value, None)

    threading.Thread(target=work, name="lambda-lint-analysis", daemon=True).start()
    return await future


def _guarded(default=None):
    """A handler whose failure is one line in the client's log and ``default`` as the answer."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(ls: LambdaLintServer, *args):
            try:
                return fn(ls, *args)
            except Exception as exc:  # noqa: BLE001 - never a traceback to the client
                ls.log_line(f"{fn.__name__} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
                return default() if callable(default) else default

        return inner

    return wrap


# -- features ----------------------------------------------------------------------------------
def create_server() -> LambdaLintServer:
    server = LambdaLintServer()

    @server.feature(types.INITIALIZE)
    @_guarded()
    def initialize(ls: LambdaLintServer, params: types.InitializeParams):
        ls.apply_settings(params.initialization_options or {})

    @server.feature(types.INITIALIZED)
    @_guarded()
    def initialized(ls: LambdaLintServer, params=None):
        ls.session.update(folders=ls.folders())

    @server.feature(types.SHUTDOWN)
    @_guarded()
    def shutdown(ls: LambdaLintServer, params=None):
        ls.shutting_down()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_guarded()
    def did_open(ls: LambdaLintServer, params: types.DidOpenTextDocumentParams):
        ls.schedule(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_guarded()
    def did_change(ls: LambdaLintServer, params: types.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @_guarded()
    def did_save(ls: LambdaLintServer, params: types.DidSaveTextDocumentParams):
        if params.text_document.uri.endswith("/pyproject.toml"):
            ls._shown.clear()
            ls.session.configuration_changed()
            ls.schedule_all()
        else:
            ls.schedule(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded()
    def did_close(ls: LambdaLintServer, params: types.DidCloseTextDocumentParams):
        ls.clear(params.text_document.uri)
        ls.schedule_all()  # the others now see the file as it is on disk

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @_guarded()
    def did_change_configuration(ls: LambdaLintServer, params: types.DidChangeConfigurationParams):
        ls.apply_settings(params.settings or {})
        ls.schedule_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @_guarded()
    def did_change_folders(ls: LambdaLintServer, params):
        ls.session.update(folders=ls.folders())
        ls.schedule_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @_guarded()
    def did_change_watched(ls: LambdaLintServer, params: types.DidChangeWatchedFilesParams):
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.session.configuration_changed()
        ls.schedule_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    @_guarded(list)
    def code_action(ls: LambdaLintServer, params: types.CodeActionParams):
        published = ls.published.get(params.text_document.uri)
        if published is None:
            return []
        document = ls.workspace.text_documents.get(params.text_document.uri)
        version = document.version if document is not None else None
        return code_actions(published, params, ls.position_units(), ls.session.settings.unsafe_fixes, version)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded()
    def on_hover(ls: LambdaLintServer, params: types.HoverParams):
        published = ls.published.get(params.text_document.uri)
        return hover(published, params.position) if published is not None else None

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    @_guarded(list)
    def code_lens(ls: LambdaLintServer, params: types.CodeLensParams):
        path = _path(params.text_document.uri)
        if path is None:
            return []
        return handler_lenses(ls.session.last_analysis(path), path)

    @server.command(COMMAND_HANDLERS)
    @_guarded(list)
    def handlers_command(ls: LambdaLintServer, *arguments):
        uris = [a for a in (arguments or []) if isinstance(a, str)] or list(ls.workspace.text_documents)
        found, seen = [], set()
        for uri in uris:
            path = _path(uri)
            if path is None:
                continue
            for item in handlers_json(ls.session.last_analysis(path)):
                key = (item["uri"], item["function"], item["source"])
                if key not in seen:
                    seen.add(key)
                    found.append(item)
        summary = "; ".join(f"{h['path']}:{h['line']} {h['function']} ({h['source']})" for h in found)
        ls.window_show_message(types.ShowMessageParams(
            types.MessageType.Info, f"lambda-lint handlers: {summary}" if found else "lambda-lint: no handler found"))
        return found

    @server.command(COMMAND_DOCS)
    @_guarded()
    def docs_command(ls: LambdaLintServer, *arguments):
        code = str((arguments or [""])[0]).upper()
        rule_class(code)  # an unknown code fails here, as one logged line
        url = help_uri(code)
        capabilities = ls.client_capabilities.window
        if capabilities is not None and capabilities.show_document is not None and capabilities.show_document.support:
            ls.window_show_document(types.ShowDocumentParams(uri=url, external=True))
        else:
            ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, f"{code}: {url}"))
        return url

    @server.command(COMMAND_OPEN)
    @_guarded()
    def open_command(ls: LambdaLintServer, *arguments):
        uri, line = arguments[0], int(arguments[1]) if len(arguments) > 1 else 1
        position = types.Position(max(line - 1, 0), 0)
        ls.window_show_document(types.ShowDocumentParams(uri=uri, take_focus=True,
                                                         selection=types.Range(position, position)))
        return uri

    return server


class _OneLine(logging.Formatter):
    """Log records as one line each, without tracebacks (the client shows stderr to the user)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().strip().splitlines()
        text = message[0] if message else record.levelname
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        return f"lambda-lint server: {text}"


def main(argv: Optional[List[str]] = None) -> int:
    """Serve LSP on stdin/stdout until the client says exit."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    logging.basicConfig(level=logging.ERROR, handlers=[handler], force=True)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything printed by mistake must not corrupt the protocol stream.
    sys.stdout = sys.stderr
    try:
        server = create_server()
        server.start_io(stdin, stdout)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        print(f"lambda-lint server: stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0
