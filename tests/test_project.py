"""Handlers by convention and configuration, import resolution, and the warm path."""
import json

from lambda_lint.cli import main

from .helpers import findings, run_check, write_tree


def test_conventional_handlers(tmp_path):
    result = run_check(tmp_path, {
        "app.py": '''
            from aws_lambda_powertools import Logger
            logger = Logger()

            @logger.inject_lambda_context
            def lambda_handler(event, context):
                return {}
        ''',
        "worker.py": '''
            async def handler(event, context):
                return {}
        ''',
        "helpers.py": '''
            def handler(message):
                return message

            def replay(event, context):
                return event

            def format_row(row, context=None):
                return row

            def nested():
                def inner(event, context):
                    return event
                return inner

            class Api:
                def lambda_handler(self, event, context):
                    return event

                def on_event(event, context):
                    return event
        ''',
        "test_helpers.py": '''
            def test_replay(event, context):
                assert event
        ''',
    })
    # The catalog's definition: a module-level lambda_handler/handler, or any module-level
    # function whose first two parameters are named event and context (not a pytest test).
    assert [(h.path.split("/")[-1], h.function, h.line, h.source) for h in result.handlers] == [
        ("app.py", "lambda_handler", 6, "convention"),
        ("helpers.py", "replay", 5, "convention"),
        ("worker.py", "handler", 2, "convention"),
    ]


def test_configured_handlers_and_lam002(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '''
            [tool.lambda-lint]
            handlers = [
                "src/app.py:process",
                "orders.api.run",
                "orders.api.missing",
                "nowhere.mod.fn",
            ]
        ''',
        "src/app.py": '''
            _seen = []

            def process(evt, ctx):
                _seen.append(1)
        ''',
        "orders/__init__.py": "",
        "orders/api.py": '''
            def run(event, context):
                return {}
        ''',
    })
    from lambda_lint.settings.config import load_config

    config = load_config(str(tmp_path))
    result = run_check(tmp_path, config=config)
    assert sorted((h.function, h.source) for h in result.handlers) == [("process", "config"), ("run", "config")]
    assert sorted((d.path, d.line, d.code) for d in result.diagnostics) == [
        ("pyproject.toml", 6, "LAM002"),
        ("pyproject.toml", 7, "LAM002"),
        ("src/app.py", 5, "LAM101"),
    ]
    messages = {d.line: d.message for d in result.diagnostics if d.code == "LAM002"}
    assert messages[6] == "handler `orders.api.missing` names `missing`, which is not defined in orders/api.py"
    assert messages[7] == "handler `nowhere.mod.fn` names a module that does not exist"


def test_defect_in_helper_module_is_reported_in_the_helper(tmp_path):
    assert findings(tmp_path, {
        "app.py": '''
            import services as svc
            from telemetry import record as rec

            def handler(event, context):
                rec(1)
                return svc.quote(event)
        ''',
        "services.py": '''
            from pricing import price
            from repository import Repo

            def quote(event):
                return Repo().load(price(event))
        ''',
        "pricing.py": '''
            _cache = []

            def price(event):
                _cache.append(1)
                return 1
        ''',
        "repository.py": '''
            import boto3

            class Repo:
                def __init__(self):
                    self.table = boto3.resource("dynamodb").Table("t")

                def load(self, key):
                    return self.table.get_item(Key=key)

                def unused(self):
                    boto3.client("s3")
        ''',
        "telemetry.py": '''
            _durations = []

            def record(value):
                _durations.append(value)

            def unused():
                _durations.append(0)
        ''',
    }) == {
        ("pricing.py", 5, "LAM101"),
        ("repository.py", 6, "LAM202"),
        ("telemetry.py", 5, "LAM101"),
    }


def test_relative_and_package_imports(tmp_path):
    assert findings(tmp_path, {
        "svc/__init__.py": "",
        "svc/app.py": '''
            from . import store
            from .util.paths import scratch

            def lambda_handler(event, context):
                store.put(event)
                scratch()
        ''',
        "svc/store.py": '''
            _items = []

            def put(item):
                _items.append(1)
        ''',
        "svc/util/__init__.py": "",
        "svc/util/paths.py": '''
            _dirs = set()

            def scratch():
                _dirs.add("x")
        ''',
    }) == {("svc/store.py", 5, "LAM101"), ("svc/util/paths.py", 5, "LAM101")}


def test_methods_of_instances_and_self_calls_are_followed(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        _log = []

        class Service:
            def __init__(self, repo):
                self.repo = repo

            def run(self, event):
                return self._step(event)

            def _step(self, event):
                _log.append(1)

            def never(self):
                _log.append(2)

        svc = Service(None)

        def lambda_handler(event, context):
            return svc.run(event)
    '''}) == {("app.py", 12, "LAM101")}


def test_functions_handed_to_threads_and_executors_are_warm(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import threading
        _done = []

        def _work():
            _done.append(1)

        def lambda_handler(event, context):
            t = threading.Thread(target=_work)
            t.start()
            t.join()
    '''}, codes={"LAM101"}) == {("app.py", 6, "LAM101")}


def test_powertools_routes_are_on_the_warm_path(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        _hits = []

        @app.get("/orders")
        def orders():
            _hits.append(1)

        def lambda_handler(event, context):
            return app.resolve(event, context)
    '''}) == {("app.py", 8, "LAM101")}


def test_module_top_level_is_cold_start(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import boto3
        _registry = []
        _registry.append(boto3.client("s3"))

        def setup():
            _registry.append(1)

        setup()

        def lambda_handler(event, context):
            return len(_registry)
    '''}) == set()


def test_cli_json_contract_and_exit_codes(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"app.py": '''
        _seen = []

        def lambda_handler(event, context):
            _seen.append(event["id"])
    '''})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json", "."]) == 1
    [diag] = json.loads(capsys.readouterr().out)
    assert set(diag) >= {"path", "line", "column", "end_line", "end_column", "code", "name", "message", "suggestion", "fix"}
    assert (diag["path"], diag["line"], diag["column"], diag["code"], diag["name"]) == (
        "app.py", 5, 5, "LAM103", "request-data-in-global")
    assert main(["check", "--format", "json", "--ignore", "LAM1", "."]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["check", "--select", "LAM9", "."]) == 2
    assert "LAM9" in capsys.readouterr().err


def test_cli_handlers_command(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pkg/app.py": '''
        def lambda_handler(event, context):
            return {}
    '''})
    monkeypatch.chdir(tmp_path)
    assert main(["handlers", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"path": "pkg/app.py", "function": "lambda_handler", "line": 2, "source": "convention", "snapstart": False}
    ]
    assert main(["handlers"]) == 0
    assert capsys.readouterr().out == "pkg/app.py:2: lambda_handler (convention)\n"


def test_parse_error_is_lam001_and_other_files_are_checked(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {
        "broken.py": '''
            def lambda_handler(event, context):
                if event["type"] = "order":
                    return 1
        ''',
        "ok.py": '''
            _d = []

            def lambda_handler(event, context):
                _d.append(1)
        ''',
    })
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(d["path"], d["line"], d["code"]) for d in out] == [("broken.py", 3, "LAM001"), ("ok.py", 5, "LAM101")]
    assert out[0]["message"].startswith("syntax error")


def test_configured_handler_may_be_an_object_or_an_imported_function(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '''
            [tool.lambda-lint]
            handlers = ["web.py:handler", "entry.py:run"]
        ''',
        "web.py": '''
            from mangum import Mangum
            from fastapi import FastAPI
            app = FastAPI()
            handler = Mangum(app)
        ''',
        "entry.py": '''
            from jobs import run
        ''',
        "jobs.py": '''
            _runs = []

            def run(event, context):
                _runs.append(1)
        ''',
    })
    from lambda_lint.settings.config import load_config

    result = run_check(tmp_path, config=load_config(str(tmp_path)))
    assert sorted((h.path.split("/")[-1], h.function, h.line, h.target is not None) for h in result.handlers) == [
        ("jobs.py", "run", 4, True),
        ("web.py", "handler", 5, False),
    ]
    assert [(d.path, d.line, d.code) for d in result.diagnostics] == [("jobs.py", 5, "LAM101")]
