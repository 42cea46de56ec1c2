"""Every entry point, and never a silent pass: signature handlers, wrappers and layers through a
whole check, the no-handler hint and --strict, `handlers --explain`, and accurate warnings."""
from __future__ import annotations

import os

from lambda_lint.cli import main

from .helpers import findings, run_check, write_tree

LEAK = '''
    import psycopg2


    def {name}({params}):
        conn = psycopg2.connect(host="db")
        cur = conn.cursor()
        cur.execute("SELECT 1")
        return cur.fetchone()
'''


def test_signature_handler_in_a_file_no_infrastructure_covers(tmp_path):
    assert findings(tmp_path, {
        "main.py": LEAK.format(name="main", params="event, context"),
        "rows.py": LEAK.format(name="format_row", params="row, context=None"),
        "typed.py": LEAK.format(name="run", params="event: dict,\n        context: \"LambdaContext\""),
        "tests/test_main.py": LEAK.format(name="test_main", params="event, context"),
    }) == {("main.py", 6, "LAM203"), ("typed.py", 7, "LAM203")}


def test_signature_needs_exactly_event_and_context_and_no_test_folder(tmp_path):
    """Lambda calls a handler with two arguments: a function that needs a third is a helper taking
    the handler's arguments along (cfnresponse's ``send``); fixtures in test folders are not deployed."""
    assert findings(tmp_path, {
        "cfn.py": LEAK.format(name="send", params="event, context, status, data, physical_id=None"),
        "kw.py": LEAK.format(name="notify", params="event, context, *, channel"),
        "optional.py": LEAK.format(name="run", params="event, context, dry_run=False"),
        "tests/fakes.py": LEAK.format(name="wrapper_handler", params="event, context"),
        "test/stubs.py": LEAK.format(name="fake_entry", params="event, context"),
    }) == {("optional.py", 6, "LAM203")}


def test_signature_does_not_make_a_handler_in_a_file_infrastructure_covers(tmp_path):
    assert findings(tmp_path, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.process
                  CodeUri: src/
        """,
        "src/app.py": LEAK.format(name="process", params="event, context") + LEAK.format(name="replay", params="event, context").replace("import psycopg2\n", ""),
    }) == {("src/app.py", 6, "LAM203")}


def test_datadog_wrapper_is_not_lam002_and_the_real_handler_is_analysed(tmp_path):
    assert findings(tmp_path, {
        "serverless.yml": """
            service: orders
            provider:
              name: aws
              runtime: python3.12
            functions:
              process:
                handler: datadog_lambda.handler.handler
                environment:
                  DD_LAMBDA_HANDLER: handlers/orders.process
        """,
        "handlers/orders.py": LEAK.format(name="process", params="event, context"),
    }) == {("handlers/orders.py", 6, "LAM203")}


def test_lambda_web_adapter_function_is_not_lam002(tmp_path):
    """With the Lambda Web Adapter the handler setting is overridden by its startup script
    (``addPropertyOverride("Handler", "run.sh")``): the Python file has no such function, by design."""
    result = run_check(tmp_path, {
        "cdk.json": "{}",
        "lib/api.ts": """
            const handler = new PythonFunction(this, "Api", {
              entry: path.join(__dirname, "../backend"),
              index: "app/main.py",
              runtime: Runtime.PYTHON_3_13,
              environment: {
                AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap",
                PORT: "8000",
              },
            });
        """,
        "backend/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    })
    assert [d.code for d in result.diagnostics] == []
    assert any("Lambda Web Adapter" in w and "lib/api.ts" in w for w in result.warnings)


def test_layer_package_is_on_the_warm_path(tmp_path):
    assert findings(tmp_path, {
        "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Common:
                Type: AWS::Serverless::LayerVersion
                Properties:
                  ContentUri: layers/common/
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  CodeUri: functions/orders/
                  Layers:
                    - !Ref Common
        """,
        "functions/orders/app.py": """
            from common_db import query


            def handler(event, context):
                return query("SELECT 1")
        """,
        "layers/common/python/common_db/__init__.py": LEAK.format(name="query", params="sql"),
    }) == {("layers/common/python/common_db/__init__.py", 6, "LAM203")}


def test_src_layout_package_is_an_import_root(tmp_path):
    assert findings(tmp_path, {
        "serverless.yml": """
            provider: {name: aws, runtime: python3.12}
            functions:
              report:
                handler: handlers/report.run
        """,
        "handlers/report.py": """
            from billing_core.db import query


            def run(event, context):
                return query("SELECT 1")
        """,
        "billing_core/pyproject.toml": "[project]\nname = 'billing-core'\n",
        "billing_core/src/billing_core/__init__.py": "",
        "billing_core/src/billing_core/db.py": LEAK.format(name="query", params="sql"),
    }) == {("billing_core/src/billing_core/db.py", 6, "LAM203")}


def test_layered_function_with_a_missing_module_is_a_warning_not_lam002(tmp_path):
    result = run_check(tmp_path, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: shared_entry.handler
                  CodeUri: src/
                  Layers:
                    - arn:aws:lambda:eu-west-1:123456789012:layer:shared:3
        """,
        "src/other.py": "X = 1\n",
    })
    assert [d.code for d in result.diagnostics] == []
    assert result.warnings == [
        "template.yaml:7: handler 'shared_entry.handler' is not in the project and may come from one of the "
        "function's layers; not analysed",
    ]


def test_globals_warning_is_printed_once_with_a_relative_path(tmp_path):
    result = run_check(tmp_path, {
        "template.yaml": """
            Globals:
              Function:
                Handler: !Sub "${Module}.handler"
                Runtime: python3.12
            Resources:
              A:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: a/}
              B:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: b/}
        """,
        "a/x.py": "X = 1\n",
        "b/y.py": "Y = 1\n",
    })
    assert result.warnings == [
        "template.yaml:4: Handler of A is not a literal string; not analysed",
        "template.yaml:4: Handler of B is not a literal string; not analysed",
    ]


def test_not_analysed_is_only_said_when_true(tmp_path):
    result = run_check(tmp_path, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: !Ref HandlerName
                  CodeUri: src/
        """,
        "src/app.py": "def lambda_handler(event, context):\n    return event\n",
    })
    assert [(os.path.basename(h.path), h.function, h.source) for h in result.handlers] == [("app.py", "lambda_handler", "convention")]
    assert result.warnings == [
        f"template.yaml:7: Handler of Fn is not a literal string; the handlers found by convention in src{os.sep} are analysed instead",
    ]


# -- never silent ---------------------------------------------------------------------------------

def test_no_handler_hint_and_strict(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {"jobs/nightly.py": "def run(job):\n    return job\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--isolated", "--no-cache", "."]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no handler found in the checked Python files, so nothing was analysed" in err
    assert "[tool.lambda-lint] handlers" in err
    assert main(["check", "--isolated", "--no-cache", "--strict", "."]) == 1


def test_no_hint_when_a_handler_is_found(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {"app.py": "def handler(event, context):\n    return event\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--isolated", "--no-cache", "--strict", "."]) == 0
    assert "no handler found" not in capsys.readouterr().err


def test_handlers_explain(tmp_path, capsys, monkeypatch):
    write_tree(tmp_path, {
        "template.yaml": """
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: orders.process
                  CodeUri: src/
              Billing:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: billing.charge
                  CodeUri: src/
              Dynamic:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: !Ref Name
                  CodeUri: other/
        """,
        "src/orders.py": "from helpers import fmt\n\n\ndef process(event, context):\n    return fmt(event)\n",
        "src/helpers.py": "def fmt(x):\n    return x\n",
        "src/unused.py": "def tool():\n    return 1\n",
        "other/x.py": "X = 1\n",
    })
    monkeypatch.chdir(tmp_path)
    assert main(["handlers", "--isolated", "--explain", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "src/orders.py:4: process (sam)",
        "template.yaml:13: LAM002 handler `billing.charge` names a module that does not exist",
        "Infrastructure files:",
        "  template.yaml",
        "    line 7: orders.process (sam) -> src/orders.py:process",
        "    line 13: billing.charge (sam): not resolved: names a module that does not exist (LAM002)",
        "    line 19: not resolved: Handler of Dynamic is not a literal string; not analysed",
        "Python files not analysed, because no handler reaches them (2):",
        "  other/x.py",
        "  src/unused.py",
    ]
