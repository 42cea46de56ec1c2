"""``lambda-lint server``: the session (in-process) and the protocol, end to end over stdio.

The end-to-end tests start the real server as a subprocess (the installed
``lambda-lint`` script, as an editor would) and drive it with pygls' own
language client: real JSON-RPC over real pipes.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import textwrap
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from lambda_lint.diagnostics import Diagnostic, Edit, Fix
from lambda_lint.server.lsp import Lines, Published, code_actions, fix_all_edits, hover, to_lsp, utf16_units
from lambda_lint.server.session import ClientSettings, Session, encode_text

HANDLER = """\
import functools

seen = []


@functools.lru_cache(maxsize=None)
def price(sku):
    return len(sku)


def lambda_handler(event, context):
    seen.append(event["id"])
    return price(event["sku"])
"""


def write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def codes_by_line(analysis, path) -> list:
    return [(d.line, d.code) for d in analysis.diagnostics.get(str(path), [])]


# -- the session, in-process ----------------------------------------------------------------
def test_session_analyses_unsaved_text_and_keeps_units_warm(tmp_path):
    write(tmp_path, {"app.py": HANDLER, "other/handler.py": """\
        calls = []

        def handler(event, context):
            calls.append(1)
    """})
    app, other = tmp_path / "app.py", tmp_path / "other" / "handler.py"
    session = Session([str(tmp_path)])
    first = session.analyse(str(app), {})
    assert codes_by_line(first, app) == [(6, "LAM402"), (12, "LAM103")]
    assert codes_by_line(first, other) == [(4, "LAM101")]
    assert (first.units, first.analysed) == (2, 2)

    # Unsaved text: the defect is gone in the buffer, not on disk; only its unit runs again.
    edited = session.analyse(str(app), {str(app): HANDLER.replace("maxsize=None", "maxsize=64")})
    assert codes_by_line(edited, app) == [(12, "LAM103")]
    assert codes_by_line(edited, other) == [(4, "LAM101")]
    assert (edited.units, edited.analysed) == (2, 1)
    again = session.analyse(str(app), {str(app): HANDLER.replace("maxsize=None", "maxsize=64")})
    assert again.analysed == 0 and codes_by_line(again, app) == [(12, "LAM103")]
    # Closing the buffer: the disk's text again, answered from the first analysis' unit.
    back = session.analyse(str(app), {})
    assert codes_by_line(back, app) == [(6, "LAM402"), (12, "LAM103")] and back.analysed == 1


def test_an_edit_reparses_only_the_edited_module(tmp_path):
    write(tmp_path, {
        "svc/app.py": "from svc import store\n\n\ndef lambda_handler(event, context):\n    return store.save(event)\n",
        "svc/store.py": "def save(event):\n    return dict(event)\n",
        "svc/__init__.py": "",
    })
    app, store = str(tmp_path / "svc" / "app.py"), str(tmp_path / "svc" / "store.py")
    session = Session([str(tmp_path)])
    session.analyse(app, {})
    models = next(iter(session._projects.values())).models
    before = {path: models.get((path, name, open(path, "rb").read())) for path, name in
              ((app, "svc.app"), (store, "svc.store"))}
    assert all(before.values())
    edited = open(app).read() + "\n\ncalls = []\n"
    analysis = session.analyse(app, {app: edited})
    assert analysis.analysed == 1
    assert models.get((store, "svc.store", open(store, "rb").read())) is before[store]  # not parsed again
    assert models.get((app, "svc.app", edited.encode())) is not before[app]
    assert models.get((app, "svc.app", open(app, "rb").read())) is None  # only the latest text is kept


def test_discovery_runs_again_only_when_an_infrastructure_file_changes(tmp_path):
    template = """\
        Resources:
          Orders:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.{name}
              CodeUri: src/
    """
    write(tmp_path, {"template.yaml": template.format(name="handle"),
                     "src/app.py": "calls = []\n\n\ndef handle(event, context):\n    calls.append(1)\n"})
    app = str(tmp_path / "src" / "app.py")
    session = Session([str(tmp_path)])
    first = session.analyse(app, {})
    state = next(iter(session._projects.values()))
    assert codes_by_line(first, app) == [(5, "LAM101")] and state.discovery.runs == 1
    edited = session.analyse(app, {app: "calls = []\n\n\ndef handle(event, context):\n    calls.append(2)\n"})
    assert codes_by_line(edited, app) == [(5, "LAM101")] and state.discovery.runs == 1
    os.utime(tmp_path / "template.yaml", ns=(1, 1))  # make sure the change is seen whatever the clock
    (tmp_path / "template.yaml").write_text(textwrap.dedent(template.format(name="process")))
    renamed = session.analyse(app, {})
    assert state.discovery.runs == 2
    assert codes_by_line(renamed, tmp_path / "template.yaml") == [(6, "LAM002")]


@pytest.mark.parametrize("group", ["state", "connections", "caches", "background", "tmp", "crossmodule", "discovery"])
def test_the_session_reports_what_the_cli_reports(group):
    """Same findings as ``lambda-lint check`` on the acceptance projects, first from cold, then warm."""
    from lambda_lint.run.engine import Options, check
    from lambda_lint.run.suppress import apply_suppressions
    from lambda_lint.settings.config import load_config
    from tests.helpers import ACCEPTANCE

    base = ACCEPTANCE / group
    if not base.is_dir():
        pytest.skip("no acceptance cases next to this checkout")
    roots = sorted(p for p in base.iterdir() if p.is_dir()) if group in ("crossmodule", "discovery") else [base]
    for root in roots:
        previous = os.getcwd()
        os.chdir(root)
        try:
            config = load_config(".")
            expected = check(["."], config, Options())
            apply_suppressions(expected, config)
        finally:
            os.chdir(previous)
        want = {(os.path.normpath(os.path.join(root, d.path)), d.line, d.column, d.code, d.message)
                for d in expected.diagnostics}
        python_files = sorted(str(p) for p in root.rglob("*.py"))
        if not python_files:
            continue
        session = Session([str(root)])
        for attempt in range(2):
            analysis = session.analyse(python_files[0], {})
            got = {(path, d.line, d.column, d.code, d.message) for path, ds in analysis.diagnostics.items() for d in ds}
            assert got == want, (root, attempt, sorted(got ^ want))
        # An unsaved edit that changes nothing but a blank line keeps every finding elsewhere.
        first = python_files[0]
        text = Path(first).read_text(encoding="utf-8", errors="surrogateescape")
        analysis = session.analyse(first, {first: text + "\n"})
        got = {(path, d.line, d.code) for path, ds in analysis.diagnostics.items() for d in ds}
        assert got == {(p, line, code) for p, line, _, code, _ in want}, root


def test_an_edit_to_a_helper_reanalyses_the_handlers_that_reach_it(tmp_path):
    write(tmp_path, {
        "svc/app.py": """\
            from svc import store

            def lambda_handler(event, context):
                return store.save(event)
        """,
        "svc/store.py": """\
            def save(event):
                return dict(event)
        """,
        "svc/__init__.py": "",
    })
    store = tmp_path / "svc" / "store.py"
    session = Session([str(tmp_path)])
    assert session.analyse(str(store), {}).diagnostics == {}
    buffer = "ITEMS = []\n\ndef save(event):\n    ITEMS.append(event)\n    return dict(event)\n"
    analysis = session.analyse(str(store), {str(store): buffer})
    assert codes_by_line(analysis, store) == [(4, "LAM103")]
    assert analysis.analysed == 1


def test_project_root_and_configuration_as_the_cli_finds_them(tmp_path):
    write(tmp_path, {
        "services/orders/pyproject.toml": """\
            [tool.lambda-lint]
            ignore = ["LAM103"]
        """,
        "services/orders/app.py": HANDLER,
        "app.py": HANDLER,
    })
    session = Session([str(tmp_path)])
    orders = tmp_path / "services" / "orders" / "app.py"
    located = session.locate(str(orders))
    assert located.root == str(tmp_path / "services" / "orders")
    analysis = session.analyse(str(orders), {})
    assert codes_by_line(analysis, orders) == [(6, "LAM402"), (12, "LAM101")]  # LAM103 ignored there
    assert session.locate(str(tmp_path / "app.py")).root == str(tmp_path)  # the workspace folder

    # Client settings are layered over pyproject.toml as command-line options are.
    session.update(settings=ClientSettings.from_client({"lambda-lint": {"select": ["LAM4"]}}))
    assert codes_by_line(session.analyse(str(orders), {}), orders) == [(6, "LAM402")]
    session.update(settings=ClientSettings.from_client({"extendSelect": ["LAM403"], "ignore": ["LAM402"]}))
    assert codes_by_line(session.analyse(str(orders), {}), orders) == [(12, "LAM101")]


def test_client_settings_problems_and_config_path(tmp_path):
    settings = ClientSettings.from_client({"settings": {"select": ["LAM9"], "unsafeFixes": "yes", "colour": 1}})
    assert settings.select is None and not settings.unsafe_fixes
    assert len(settings.problems) == 3
    assert settings.problems[0].startswith("select: unknown rule code or prefix 'LAM9' (known prefixes of this length: ")
    assert settings.problems[1:] == ["unsafeFixes: expected true or false", "unknown setting 'colour'"]
    # A client that sends its whole configuration: nothing of ours in it, keep the current settings.
    assert ClientSettings.from_client({"glspc": {"server": {"command": "x"}}}).foreign
    assert not ClientSettings.from_client({"lambda-lint": {}}).foreign
    write(tmp_path, {"app.py": HANDLER, "lint.toml": '[tool.lambda-lint]\nselect = ["LAM402"]\n'})
    session = Session([str(tmp_path)], ClientSettings.from_client({"configPath": "lint.toml"}))
    app = tmp_path / "app.py"
    assert codes_by_line(session.analyse(str(app), {}), app) == [(6, "LAM402")]
    broken = Session([str(tmp_path)], ClientSettings.from_client({"configPath": "missing.toml"}))
    analysis = broken.analyse(str(app), {})
    assert analysis.error.endswith("missing.toml: configuration file not found") and analysis.diagnostics == {}


def test_encoded_text_keeps_a_declared_encoding():
    assert encode_text("# -*- coding: latin-1 -*-\nx = 'é'\n") == "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    assert encode_text("x = '😀'\n") == "x = '😀'\n".encode("utf-8")


# -- positions and actions, in-process -----------------------------------------------------------
def test_ranges_are_zero_based_utf16():
    text = "s = '😀é'; items.append(1)\n"
    lines = Lines(text, utf16_units)
    column = text.index("items") + 1  # 1-based, in code points as libcst counts
    d = Diagnostic("x.py", 1, column, 1, column + len("items.append(1)"), "LAM101", "mutable-global-mutated", "m", "s")
    lsp = to_lsp(d, lines)
    # 😀 is two UTF-16 units: the start moves one unit right of the code-point column.
    assert (lsp.range.start.line, lsp.range.start.character) == (0, column - 1 + 1)
    assert (lsp.range.end.line, lsp.range.end.character) == (0, column - 1 + 1 + len("items.append(1)"))
    assert lsp.severity == types.DiagnosticSeverity.Warning
    assert lsp.code_description.href.endswith("/docs/rules/LAM101.md")
    point = to_lsp(Diagnostic("x.py", 1, 1, 1, 1, "LAM001", "parse-error", "syntax error", ""), lines)
    assert point.severity == types.DiagnosticSeverity.Error
    assert (point.range.start.character, point.range.end.character) == (0, utf16_units(text.rstrip("\n")))


def _published(text, diagnostics, version=1):
    lines = Lines(text, utf16_units)
    return Published("file:///p/app.py", version, text, [(d, to_lsp(d, lines)) for d in diagnostics])


def test_code_actions_offer_fixes_noqa_and_documentation():
    text = "import functools\n\n@functools.lru_cache(maxsize=None)\ndef f(x):\n    return x\n"
    safe = Diagnostic("app.py", 3, 1, 3, 35, "LAM402", "unbounded-lru-cache", "no bound", "bound it",
                      Fix("Bound the cache", "safe", edits=[Edit(3, 1, 4, 1, "@functools.lru_cache(maxsize=128)\n")]))
    unsafe = Diagnostic("app.py", 4, 1, 4, 10, "LAM104", "mutable-default-argument", "m", "s",
                        Fix("Use None", "unsafe", edits=[Edit(4, 1, 5, 1, "def f(x=None):\n")]))
    published = _published(text, [safe, unsafe])
    request = types.CodeActionParams(types.TextDocumentIdentifier(published.uri), published.items[0][1].range,
                                     types.CodeActionContext(diagnostics=[lsp for _, lsp in published.items]))
    actions = code_actions(published, request, utf16_units, False, 1)
    titles = [a.title for a in actions]
    assert titles == [
        "Bound the cache (LAM402)",
        "Use None (LAM104, unsafe fix)",
        "Ignore LAM402 on this line (# noqa: LAM402)",
        "Ignore LAM104 on this line (# noqa: LAM104)",
        "Show documentation for LAM402 (unbounded-lru-cache)",
        "Show documentation for LAM104 (mutable-default-argument)",
    ]
    assert [a.is_preferred for a in actions[:2]] == [True, False]
    edit = actions[0].edit.changes[published.uri][0]
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (2, 3, "@functools.lru_cache(maxsize=128)\n")
    noqa = actions[2].edit.changes[published.uri][0]
    assert noqa.new_text == "@functools.lru_cache(maxsize=None)  # noqa: LAM402"
    assert actions[4].command.command == "lambda-lint.showDocumentation" and actions[4].command.arguments == ["LAM402"]

    # The document changed since it was analysed: no edits against the old text.
    stale = code_actions(published, request, utf16_units, False, 2)
    assert [a.title for a in stale] == titles[4:]

    # Fix all: safe fixes, and the unsafe ones only when the client allows them.
    fix_all = types.CodeActionParams(types.TextDocumentIdentifier(published.uri), published.items[0][1].range,
                                     types.CodeActionContext(diagnostics=[], only=["source.fixAll"]))
    assert [len(a.edit.changes[published.uri]) for a in code_actions(published, fix_all, utf16_units, False, 1)] == [1]
    assert fix_all_edits(published, True) == [Edit(3, 1, 4, 1, "@functools.lru_cache(maxsize=128)\n")]  # adjacent: next round


def test_hover_shows_why():
    text = "seen = []\ndef handler(event, context):\n    seen.append(1)\n"
    d = Diagnostic("app.py", 3, 5, 3, 19, "LAM101", "mutable-global-mutated", "`seen` is mutated", "reset it")
    published = _published(text, [d])
    found = hover(published, types.Position(2, 6))
    assert found.contents.value.startswith("**LAM101** `mutable-global-mutated`: `seen` is mutated")
    assert "**Why is this bad?**" in found.contents.value
    assert "docs/rules/LAM101.md" in found.contents.value
    assert hover(published, types.Position(0, 0)) is None


# -- end to end over stdio -----------------------------------------------------------------------
def server_command() -> list:
    script = Path(sys.executable).with_name("lambda-lint")
    return [str(script), "server"] if script.exists() else [sys.executable, "-m", "lambda_lint", "server"]


class Editor:
    """A language client that remembers what the server published."""

    def __init__(self):
        self.client = LanguageClient("lambda-lint-tests", "1")
        self.published: dict = {}
        self.changed = asyncio.Condition()
        self.messages: list = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def on_diagnostics(params: types.PublishDiagnosticsParams):
            async with self.changed:
                self.published.setdefault(params.uri, []).append(params)
                self.changed.notify_all()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams):
            self.messages.append(params.message)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams):
            self.messages.append(params.message)

    async def diagnostics(self, uri: str, version=None, timeout: float = 60.0) -> types.PublishDiagnosticsParams:
        """The first publication for ``uri`` (for ``version``) not yet consumed."""
        async def ready():
            async with self.changed:
                while True:
                    for params in self.published.get(uri, []):
                        if version is None or params.version == version:
                            self.published[uri].remove(params)
                            return params
                    await self.changed.wait()

        return await asyncio.wait_for(ready(), timeout)


@contextlib.asynccontextmanager
async def running_server(root: Path, options=None):
    editor = Editor()
    command = server_command()
    await editor.client.start_io(*command, cwd=str(root.parent))
    await editor.client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        root_uri=from_fs_path(str(root)),
        workspace_folders=[types.WorkspaceFolder(from_fs_path(str(root)), root.name)],
        initialization_options=options,
    ))
    editor.client.initialized(types.InitializedParams())
    try:
        yield editor
    finally:
        if not editor.client.stopped:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(editor.client.shutdown_async(None), 10)
                editor.client.exit(None)
                await asyncio.wait_for(editor.client._server.wait(), 10)
            await editor.client.stop()


def open_document(editor: Editor, path: Path, text: str, version: int = 1) -> str:
    uri = from_fs_path(str(path))
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def change_document(editor: Editor, uri: str, version: int, text: str) -> None:
    editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


def shape(params: types.PublishDiagnosticsParams) -> list:
    return [(d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
            for d in params.diagnostics]


def apply_text_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (0-based lines, UTF-16 columns) as an editor does."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line)

    def to_offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units = 0
        for i, char in enumerate(line):
            if units >= position.character:
                return starts[position.line] + i
            units += utf16_units(char)
        return starts[position.line] + len(line.rstrip("\r\n"))

    spans = sorted(((to_offset(e.range.start), to_offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for begin, end, new in spans:
        text = text[:begin] + new + text[end:]
    return text


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 240))


@pytest.mark.slow
def test_end_to_end_diagnostics_change_fix_syntax_error_and_exit(tmp_path):
    project = write(tmp_path / "project", {"app.py": HANDLER})
    app = project / "app.py"

    async def scenario():
        async with running_server(project) as editor:
            uri = open_document(editor, app, HANDLER)
            opened = await editor.diagnostics(uri, 1)
            assert shape(opened) == [("LAM402", 5, 0, 5, 34), ("LAM103", 11, 4, 11, 28)]
            lam402 = opened.diagnostics[0]
            assert lam402.source == "lambda-lint" and lam402.severity == types.DiagnosticSeverity.Warning
            assert lam402.message.startswith("unbounded-lru-cache: `@functools.lru_cache(maxsize=None)` on `price(sku)`")
            assert "\nhelp: " in lam402.message
            assert lam402.code_description.href == "https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules/LAM402.md"

            # The quick fix for LAM402 is a WorkspaceEdit that an editor applies as it is.
            actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
                types.TextDocumentIdentifier(uri), lam402.range, types.CodeActionContext(diagnostics=[lam402])))
            fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
            assert fix.title == "Bound the cache: `@functools.lru_cache(maxsize=128)` (LAM402)"
            fixed = apply_text_edits(HANDLER, fix.edit.changes[uri])
            assert fixed == HANDLER.replace("maxsize=None", "maxsize=128")

            # didChange with the fix applied: LAM402 is gone, LAM103 stays.
            change_document(editor, uri, 2, fixed)
            assert shape(await editor.diagnostics(uri, 2)) == [("LAM103", 11, 4, 11, 28)]

            # Hover on the remaining finding: the rule's why.
            hovered = await editor.client.text_document_hover_async(types.HoverParams(
                types.TextDocumentIdentifier(uri), types.Position(11, 10)))
            assert "**Why is this bad?**" in hovered.contents.value

            # Mid-edit syntax error: LAM001, and the server goes on.
            broken = fixed.replace("def lambda_handler(event, context):", "def lambda_handler(event, context)")
            change_document(editor, uri, 3, broken)
            errors = await editor.diagnostics(uri, 3)
            assert [(d.code, d.range.start.line) for d in errors.diagnostics] == [("LAM001", 10)]
            assert errors.diagnostics[0].severity == types.DiagnosticSeverity.Error
            change_document(editor, uri, 4, fixed.replace('    seen.append(event["id"])\n', ""))
            assert shape(await editor.diagnostics(uri, 4)) == []

            # Handlers: a code lens on the handler, and the command.
            lenses = await editor.client.text_document_code_lens_async(types.CodeLensParams(
                types.TextDocumentIdentifier(uri)))
            assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
                (10, "λ Lambda handler (convention)")]
            found = await editor.client.workspace_execute_command_async(types.ExecuteCommandParams(
                "lambda-lint.handlers", [uri]))
            assert [(h["path"], h["function"], h["line"]) for h in found] == [("app.py", "lambda_handler", 11)]

            # shutdown, then exit: the process ends, with status 0.
            await editor.client.shutdown_async(None)
            editor.client.exit(None)
            started = time.monotonic()
            status = await asyncio.wait_for(editor.client._server.wait(), 20)
            assert status == 0 and time.monotonic() - started < 20
            assert not any("Traceback" in m for m in editor.messages), editor.messages

    run(scenario())


@pytest.mark.slow
def test_end_to_end_project_analysis_across_open_documents(tmp_path):
    """Unsaved text of one document changes the findings of another (the warm path crosses modules)."""
    project = write(tmp_path / "project", {
        "template.yaml": """\
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: orders.app.handle
                  CodeUri: src/
        """,
        "src/orders/__init__.py": "",
        "src/orders/app.py": """\
            from orders import store


            def handle(event, context):
                return store.save(event)
        """,
        "src/orders/store.py": """\
            ITEMS = []


            def save(event):
                return dict(event)
        """,
    })
    app = project / "src" / "orders" / "app.py"
    store = project / "src" / "orders" / "store.py"

    async def scenario():
        async with running_server(project, {"settings": {"ignore": ["LAM103"]}}) as editor:
            store_text = store.read_text()
            store_uri = open_document(editor, store, store_text)
            assert shape(await editor.diagnostics(store_uri, 1)) == []
            lenses = []
            app_uri = open_document(editor, app, app.read_text())
            await editor.diagnostics(app_uri, 1)
            lenses = await editor.client.text_document_code_lens_async(types.CodeLensParams(
                types.TextDocumentIdentifier(app_uri)))
            assert [lens.command.title for lens in lenses] == ["λ Lambda handler (sam in template.yaml:6)"]
            assert lenses[0].command.command == "lambda-lint.openDeclaration"

            # An unsaved edit of the helper: the handler's warm path now mutates ITEMS.
            change_document(editor, store_uri, 2, store_text.replace("    return dict(event)",
                                                                     "    ITEMS.append(event)\n    return dict(event)"))
            published = await editor.diagnostics(store_uri, 2)
            assert shape(published) == [("LAM101", 4, 4, 4, 23)]  # LAM103 is ignored by the client setting

            # Settings from the client change: LAM103 is back on this site.
            editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
                settings={"lambda-lint": {"ignore": []}}))
            republished = await editor.diagnostics(store_uri, 2)
            while shape(republished) == [("LAM101", 4, 4, 4, 23)]:
                republished = await editor.diagnostics(store_uri, 2)
            assert shape(republished) == [("LAM103", 4, 4, 4, 23)]

    run(scenario())


@pytest.mark.slow
def test_end_to_end_with_a_plain_json_client(tmp_path):
    """What a minimal client sees: plain JSON, ``changes`` in the WorkspaceEdit, a clean exit."""
    from tests.raw_lsp import RawClient

    project = write(tmp_path / "project", {"app.py": HANDLER})
    uri = from_fs_path(str(project / "app.py"))
    client = RawClient(server_command(), cwd=str(tmp_path))
    try:
        result = client.initialize(from_fs_path(str(project)))
        capabilities = result["capabilities"]
        assert capabilities["codeActionProvider"] and capabilities["hoverProvider"]
        assert result["serverInfo"]["name"] == "lambda-lint"
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": HANDLER}})
        published = client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
        assert [(d["code"], d["range"]) for d in published["diagnostics"]] == [
            ("LAM402", {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 34}}),
            ("LAM103", {"start": {"line": 11, "character": 4}, "end": {"line": 11, "character": 28}}),
        ]
        lam402 = published["diagnostics"][0]
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": lam402["range"], "context": {"diagnostics": [lam402]}})
        fix = next(a for a in actions if a.get("isPreferred"))
        edits = [types.TextEdit(types.Range(types.Position(**e["range"]["start"]), types.Position(**e["range"]["end"])),
                                e["newText"]) for e in fix["edit"]["changes"][uri]]
        fixed = apply_text_edits(HANDLER, edits)
        assert fixed == HANDLER.replace("maxsize=None", "maxsize=128")
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": fixed}]})
        after = client.wait_notification("textDocument/publishDiagnostics",
                                          lambda p: p["uri"] == uri and p.get("version") == 2)
        assert [d["code"] for d in after["diagnostics"]] == ["LAM103"]
        # An incremental change (a range) that brings the defect back.
        column = fixed.splitlines()[5].index("128")
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"range": {"start": {"line": 5, "character": column}, "end": {"line": 5, "character": column + 3}},
             "text": "None"}]})
        again = client.wait_notification("textDocument/publishDiagnostics",
                                          lambda p: p["uri"] == uri and p.get("version") == 3)
        assert [d["code"] for d in again["diagnostics"]] == ["LAM402", "LAM103"]
        assert client.close() == 0
        assert b"Traceback" not in client.stderr
    finally:
        if client.process.poll() is None:
            client.process.kill()
