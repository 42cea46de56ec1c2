"""Discovery, round two: tracing wrappers, Serverless variables/includes/images/lift/wsgi,
Terraform S3 objects/locals/variables/.tf.json/Terragrunt, Pulumi, Zappa, layers."""
from __future__ import annotations

import json

from lambda_lint.discovery import discover

from .test_discovery import PY, covered, found, make_tree, warnings_of

FLASK_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/orders")
def list_orders():
    return "[]"


@app.post("/orders")
def create_order():
    return "{}"


def helper(row, context=None):
    return row
"""


# --- tracing wrappers --------------------------------------------------------------------

def test_sam_datadog_wrapper_names_the_real_handler_through_globals(tmp_path):
    make_tree(tmp_path, {
        "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
                Handler: datadog_lambda.handler.handler
                Layers:
                  - !Sub arn:aws:lambda:${AWS::Region}:464622532012:layer:Datadog-Python312:98
                Environment:
                  Variables:
                    DD_TRACE_ENABLED: "true"
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Environment:
                    Variables:
                      DD_LAMBDA_HANDLER: orders.process
              Refunds:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Environment:
                    Variables:
                      DD_LAMBDA_HANDLER: refunds.process
              Unwired:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
        """,
        "src/orders.py": PY,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("src/orders.py", "process", "sam", "template.yaml", 18, "orders.process", "src"),
        # declared, missing, and the function has layers: the module may come from one
    ]
    assert warnings_of(tmp_path, result) == [
        "template.yaml:5: handler 'datadog_lambda.handler.handler' is the Datadog wrapper, and DD_LAMBDA_HANDLER "
        "(the real handler) is not set here; not analysed",
        "template.yaml:25: handler 'refunds.process' is not in the project and may come from one of the function's layers; not analysed",
    ]


def test_cloudformation_new_relic_and_missing_real_handler_is_lam002_material(tmp_path):
    make_tree(tmp_path, {
        "stack.yaml": """
            Resources:
              Ingest:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python3.11
                  Handler: newrelic_lambda_wrapper.handler
                  Code: build/ingest
                  Environment:
                    Variables:
                      NEW_RELIC_LAMBDA_HANDLER: ingest.main
                      NEW_RELIC_ACCOUNT_ID: "1234"
        """,
        "build/ingest/other.py": PY,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [(None, "main", "cloudformation", "stack.yaml", 10, "ingest.main", "build/ingest")]
    assert result.warnings == []


def test_serverless_provider_environment_sentry_and_lumigo(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: billing
            provider:
              name: aws
              runtime: python3.12
              environment:
                SENTRY_INITIAL_HANDLER: handlers/charge.run
            functions:
              charge:
                handler: sentry_sdk.integrations.init_serverless_sdk.sentry_lambda_handler
              refund:
                handler: lumigo_tracer._handler
                environment:
                  LUMIGO_ORIGINAL_HANDLER: ${self:custom.refundHandler}
              audit:
                handler: lumigo_tracer._handler
                environment:
                  LUMIGO_ORIGINAL_HANDLER: ${ssm:/billing/audit-handler}
            custom:
              refundHandler: handlers/refund.run
        """,
        "handlers/charge.py": PY.replace("process", "run"),
        "handlers/refund.py": PY.replace("process", "run"),
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("handlers/charge.py", "run", "serverless", "serverless.yml", 6, "handlers/charge.run", "."),
        ("handlers/refund.py", "run", "serverless", "serverless.yml", 13, "handlers/refund.run", "."),
    ]
    assert warnings_of(tmp_path, result) == [
        "serverless.yml:17: LUMIGO_ORIGINAL_HANDLER (the handler behind the Lumigo wrapper) is not a literal string; not analysed",
    ]


def test_cdk_and_terraform_environments(tmp_path):
    make_tree(tmp_path, {
        "cdk/cdk.json": '{"app": "python3 app.py"}',
        "cdk/app.py": """
            from aws_cdk import aws_lambda as _lambda

            _lambda.Function(
                self, "Worker",
                runtime=_lambda.Runtime.PYTHON_3_12,
                handler="datadog_lambda.handler.handler",
                code=_lambda.Code.from_asset("lambda"),
                environment={
                    "DD_LAMBDA_HANDLER": "worker.main",
                    "DD_SITE": "datadoghq.eu",
                },
            )
        """,
        "cdk/lambda/worker.py": PY.replace("process", "main"),
        "tf/main.tf": """
            data "archive_file" "jobs" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/jobs.zip"
            }

            resource "aws_lambda_function" "jobs" {
              function_name = "jobs"
              runtime       = "python3.12"
              handler       = "datadog_lambda.handler.handler"
              filename      = data.archive_file.jobs.output_path
              environment {
                variables = {
                  DD_LAMBDA_HANDLER = "jobs.execute"
                }
              }
            }
        """,
        "tf/src/jobs.py": PY.replace("process", "execute"),
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("cdk/lambda/worker.py", "main", "cdk", "cdk/app.py", 9, "worker.main", "cdk/lambda"),
        ("tf/src/jobs.py", "execute", "terraform", "tf/main.tf", 14, "jobs.execute", "tf/src"),
    ]
    assert result.warnings == []


def test_cdk_typescript_environment(tmp_path):
    make_tree(tmp_path, {
        "infra/cdk.json": "{}",
        "infra/lib/stack.ts": """
            new lambda.Function(this, 'Api', {
              runtime: lambda.Runtime.PYTHON_3_12,
              handler: 'newrelic_lambda_wrapper.handler',
              code: lambda.Code.fromAsset('../service'),
              environment: {
                NEW_RELIC_LAMBDA_HANDLER: 'api.handle',
                NEW_RELIC_ACCOUNT_ID: props.accountId,
              },
            });
        """,
        "service/api.py": PY.replace("process", "handle"),
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("service/api.py", "handle", "cdk", "infra/lib/stack.ts", 6, "api.handle", "service")]


def test_vendor_handler_without_a_wrapper_entry_is_not_lam002(tmp_path):
    make_tree(tmp_path, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: datadog_lambda.wrapper.custom
        """,
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == [
        "template.yaml:6: handler 'datadog_lambda.wrapper.custom' is a vendor library's, not part of this project; not analysed",
    ]


# --- Serverless ----------------------------------------------------------------------------

def test_serverless_file_includes_and_self_references(tmp_path):
    make_tree(tmp_path, {
        "svc/serverless.yml": """
            service: catalog
            provider:
              name: aws
              runtime: ${self:custom.runtime}
            custom:
              runtime: python3.12
              handlers: src/handlers
            functions:
              - ${file(./functions/api.yml)}
              - ${file(./functions/jobs.yml):functions}
              - ${file(./functions/missing.yml)}
        """,
        "svc/functions/api.yml": """
            list:
              handler: ${self:custom.handlers}/catalog.list_items
            get:
              handler: ${self:custom.handlers}/catalog.get_item
        """,
        "svc/functions/jobs.yml": """
            functions:
              reindex:
                handler: src/jobs/reindex.run
                timeout: 900
        """,
        "svc/src/handlers/catalog.py": "def list_items(event, context):\n    return []\n\n\ndef get_item(event, context):\n    return {}\n",
        "svc/src/jobs/reindex.py": PY.replace("process", "run"),
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("svc/src/handlers/catalog.py", "list_items", "serverless", "svc/functions/api.yml", 2, "src/handlers/catalog.list_items", "svc"),
        ("svc/src/handlers/catalog.py", "get_item", "serverless", "svc/functions/api.yml", 4, "src/handlers/catalog.get_item", "svc"),
        ("svc/src/jobs/reindex.py", "run", "serverless", "svc/functions/jobs.yml", 3, "src/jobs/reindex.run", "svc"),
    ]
    assert warnings_of(tmp_path, result) == [
        "svc/serverless.yml:8: functions from '${file(./functions/missing.yml)}' cannot be resolved here; not followed",
    ]


def test_serverless_broken_include_is_a_warning(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            provider: {name: aws, runtime: python3.12}
            functions: ${file(functions.yml)}
        """,
        "functions.yml": "a: [unclosed\n",
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    warnings = warnings_of(tmp_path, result)
    assert warnings[0].startswith("functions.yml:2: invalid YAML")
    assert warnings[1] == "serverless.yml:2: functions from '${file(functions.yml)}' cannot be resolved here; not followed"


def test_serverless_container_image_command(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: thumbs
            provider:
              name: aws
              ecr:
                images:
                  thumbs:
                    path: ./image
            functions:
              resize:
                image:
                  name: thumbs
                  command:
                    - resize.handler
              remote:
                image:
                  uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbs@sha256:abc
                  command: ["other.handler"]
        """,
        "image/Dockerfile": "FROM public.ecr.aws/lambda/python:3.12\nCOPY app/ ${LAMBDA_TASK_ROOT}\nCMD [\"resize.handler\"]\n",
        "image/app/resize.py": "def handler(event, context):\n    return event\n",
    })
    result = discover(str(tmp_path))
    assert ("image/app/resize.py", "handler", "serverless", "serverless.yml", 12, "resize.handler", "image/app") in found(tmp_path, result)
    assert all(h.spec != "other.handler" for h in result.handlers)


def test_serverless_lift_queue_worker(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: mailer
            plugins:
              - serverless-lift
            provider:
              name: aws
              runtime: python3.11
            constructs:
              emails:
                type: queue
                worker:
                  handler: workers/send.handler
                  timeout: 30
              site:
                type: static-website
                path: public
        """,
        "workers/send.py": "def handler(event, context):\n    return None\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("workers/send.py", "handler", "serverless", "serverless.yml", 11, "workers/send.handler", ".")]


def test_serverless_wsgi_app_routes_are_entry_points(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: shop
            plugins:
              - serverless-wsgi
              - serverless-python-requirements
            custom:
              wsgi:
                app: app.app
            provider:
              name: aws
              runtime: python3.12
            functions:
              api:
                handler: wsgi_handler.handler
                events:
                  - http: ANY /
              api2:
                handler: wsgi_handler.handler
        """,
        "app.py": FLASK_APP,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("app.py", "list_orders", "wsgi", "app.py", 6, "app.list_orders", "."),
        ("app.py", "create_order", "wsgi", "app.py", 11, "app.create_order", "."),
    ]
    assert "app.py" in covered(tmp_path, result)
    assert result.warnings == []


def test_serverless_wsgi_django_gets_a_hint(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            custom:
              wsgi:
                app: mysite.wsgi.application
            provider: {name: aws, runtime: python3.12}
            functions:
              web:
                handler: wsgi_handler.handler
        """,
        "mysite/__init__.py": "",
        "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == [
        "serverless.yml:3: no routes of 'mysite.wsgi.application' were found (an app factory, Django or routes registered "
        "elsewhere); declare its entry points in [tool.lambda-lint] handlers",
    ]


# --- Terraform -------------------------------------------------------------------------------

def test_terraform_s3_object_locals_and_variable_defaults(tmp_path):
    make_tree(tmp_path, {
        "infra/variables.tf": """
            variable "handler" {
              type    = string
              default = "app.lambda_handler"
            }
            variable "stage" {
              type = string
            }
        """,
        "infra/main.tf": """
            locals {
              code_dir = "${path.module}/../service"
              module   = "reports"
            }

            data "archive_file" "service" {
              type        = "zip"
              source_dir  = local.code_dir
              output_path = "${path.module}/build/service.zip"
            }

            resource "aws_s3_object" "service" {
              bucket = aws_s3_bucket.artifacts.id
              key    = "service-${data.archive_file.service.output_md5}.zip"
              source = data.archive_file.service.output_path
            }

            resource "aws_lambda_function" "api" {
              function_name = "api-${var.stage}"
              runtime       = "python3.12"
              handler       = var.handler
              s3_bucket     = aws_s3_bucket.artifacts.id
              s3_key        = aws_s3_object.service.key
            }

            resource "aws_lambda_function" "reports" {
              function_name = "reports"
              runtime       = "python3.12"
              handler       = "${local.module}.build"
              s3_bucket     = aws_s3_bucket.artifacts.id
              s3_key        = aws_s3_object.service.key
            }

            resource "aws_lambda_function" "staged" {
              runtime  = "python3.12"
              handler  = "${var.stage}.run"
              filename = data.archive_file.service.output_path
            }

            resource "aws_lambda_function" "prebuilt" {
              runtime   = "python3.12"
              handler   = "x.run"
              s3_bucket = "artifacts"
              s3_key    = "prebuilt.zip"
            }
        """,
        "service/app.py": "def lambda_handler(event, context):\n    return event\n",
        "service/reports.py": "def build(event, context):\n    return event\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("service/app.py", "lambda_handler", "terraform", "infra/main.tf", 21, "app.lambda_handler", "service"),
        ("service/reports.py", "build", "terraform", "infra/main.tf", 29, "reports.build", "service"),
    ]
    assert warnings_of(tmp_path, result) == [
        "infra/main.tf:36: handler of aws_lambda_function.staged is not a literal string; not analysed",
    ]


def test_terraform_json(tmp_path):
    make_tree(tmp_path, {
        "main.tf.json": json.dumps({
            "data": {"archive_file": {"code": {"type": "zip", "source_dir": "${path.module}/src", "output_path": "code.zip"}}},
            "resource": {"aws_lambda_function": {"ingest": {
                "function_name": "ingest",
                "runtime": "python3.12",
                "handler": "ingest.handler",
                "filename": "${data.archive_file.code.output_path}",
                "environment": {"variables": {"TABLE": "events"}},
            }}},
        }, indent=2),
        "src/ingest.py": "def handler(event, context):\n    return event\n",
        "broken.tf.json": '{"resource": {"aws_lambda_function": ',
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("src/ingest.py", "handler", "terraform", "main.tf.json", 16, "ingest.handler", "src")]
    assert [w.split(": ", 1)[0] for w in warnings_of(tmp_path, result)] == ["broken.tf.json:1"]
    assert "invalid JSON" in result.warnings[0]


def test_terragrunt_inputs_fill_module_variables(tmp_path):
    make_tree(tmp_path, {
        "modules/lambda/main.tf": """
            variable "handler" { type = string }
            variable "source_dir" { type = string }

            data "archive_file" "this" {
              type        = "zip"
              source_dir  = var.source_dir
              output_path = "${path.module}/lambda.zip"
            }

            resource "aws_lambda_function" "this" {
              function_name = "fn"
              runtime       = "python3.12"
              handler       = var.handler
              filename      = data.archive_file.this.output_path
            }
        """,
        "live/prod/orders/terragrunt.hcl": """
            terraform {
              source = "../../../modules/lambda"
            }

            inputs = {
              handler    = "orders.process"
              source_dir = "${get_terragrunt_dir()}/../../../services/orders"
            }
        """,
        "services/orders/orders.py": PY,
        "live/prod/remote/terragrunt.hcl": """
            terraform {
              source = "git::https://github.com/acme/modules.git//lambda?ref=v1.2.0"
            }
        """,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("services/orders/orders.py", "process", "terraform", "modules/lambda/main.tf", 13, "orders.process", "services/orders"),
    ]
    assert result.warnings == []


def test_terraform_layers_make_a_missing_module_a_warning(tmp_path):
    make_tree(tmp_path, {
        "main.tf": """
            resource "aws_lambda_function" "f" {
              runtime  = "python3.12"
              handler  = "shared.entry.run"
              filename = "build/f.zip"
              layers   = [aws_lambda_layer_version.shared.arn]
            }
        """,
        "build/f/local.py": PY,
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == [
        "main.tf:3: handler 'shared.entry.run' is not in the project and may come from one of the function's layers; not analysed",
    ]


# --- Pulumi -----------------------------------------------------------------------------------

def test_pulumi_python_program(tmp_path):
    make_tree(tmp_path, {
        "infra/Pulumi.yaml": "name: orders\nruntime: python\n",
        "infra/__main__.py": """
            import pulumi
            import pulumi_aws as aws

            role = aws.iam.Role("role", assume_role_policy="{}")
            code = pulumi.AssetArchive({".": pulumi.FileArchive("../app")})

            orders = aws.lambda_.Function(
                "orders",
                role=role.arn,
                runtime="python3.12",
                handler="orders.process",
                code=code,
            )
            single = aws.lambda_.Function(
                "single",
                runtime=aws.lambda_.Runtime.PYTHON3D12,
                handler="cleanup.run",
                code=pulumi.AssetArchive({"cleanup.py": pulumi.FileAsset("../jobs/cleanup.py")}),
            )
            web = aws.lambda_.Function("web", runtime="nodejs20.x", handler="index.handler", code=pulumi.FileArchive("../web"))
            dynamic = aws.lambda_.Function("dyn", runtime="python3.12", handler=config.require("handler"), code=pulumi.FileArchive("../app"))
            remote = aws.lambda_.Function("remote", runtime="python3.12", handler="x.run", s3_bucket="b", s3_key="k")
        """,
        "app/orders.py": PY,
        "jobs/cleanup.py": PY.replace("process", "run"),
        "jobs/other.py": PY,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("app/orders.py", "process", "pulumi", "infra/__main__.py", 11, "orders.process", "app"),
        ("jobs/cleanup.py", "run", "pulumi", "infra/__main__.py", 17, "cleanup.run", "jobs"),
    ]
    assert "jobs/other.py" not in covered(tmp_path, result)
    assert warnings_of(tmp_path, result) == [
        "infra/__main__.py:21: handler of Function 'dyn' is not a literal string; not analysed",
    ]


# --- Zappa --------------------------------------------------------------------------------------

def test_zappa_settings_app_and_events(tmp_path):
    make_tree(tmp_path, {
        "zappa_settings.json": json.dumps({
            "dev": {
                "app_function": "app.app",
                "aws_region": "eu-west-1",
                "events": [{"function": "tasks.nightly_report", "expression": "rate(1 day)"}],
            },
            "prod": {"extends": "dev", "events": [
                {"function": "tasks.nightly_report", "expression": "cron(0 3 * * ? *)"},
                {"function": "tasks.on_upload", "event_source": {"arn": "arn:aws:s3:::uploads", "events": ["s3:ObjectCreated:*"]}},
            ]},
        }, indent=2),
        "app.py": FLASK_APP,
        "tasks.py": "def nightly_report(event, context):\n    return 1\n\n\ndef on_upload(event, context):\n    return 2\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("app.py", "list_orders", "zappa", "app.py", 6, "app.list_orders", "."),
        ("app.py", "create_order", "zappa", "app.py", 11, "app.create_order", "."),
        ("tasks.py", "nightly_report", "zappa", "zappa_settings.json", 7, "tasks.nightly_report", "."),
        ("tasks.py", "on_upload", "zappa", "zappa_settings.json", 20, "tasks.on_upload", "."),
    ]


def test_zappa_yaml_django_and_broken(tmp_path):
    make_tree(tmp_path, {
        "a/zappa_settings.yml": """
            production:
              django_settings: mysite.settings
              s3_bucket: zappa-deploys
        """,
        "b/zappa_settings.json": '{"dev": {"app_function": ',
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    warnings = warnings_of(tmp_path, result)
    assert warnings[0] == ("a/zappa_settings.yml:2: no Django views were found from 'mysite.settings' (class-based views, "
                           "routers); declare them in [tool.lambda-lint] handlers")
    assert warnings[1].startswith("b/zappa_settings.json:1: invalid JSON")


def test_serverless_wsgi_app_factory_blueprints(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: shop
            custom:
              wsgi:
                app: run.app
            provider: {name: aws, runtime: python3.12}
            functions:
              api:
                handler: wsgi_handler.handler
        """,
        "run.py": "from shop import create_app\n\napp = create_app()\n",
        "shop/__init__.py": """
            from flask import Flask


            def create_app():
                app = Flask(__name__)
                from .orders import bp as orders_bp
                from . import users
                app.register_blueprint(orders_bp)
                app.register_blueprint(users.bp)
                return app
        """,
        "shop/orders.py": """
            from flask import Blueprint

            bp = Blueprint("orders", __name__)


            @bp.route("/orders")
            def list_orders():
                return "[]"
        """,
        "shop/users.py": """
            from flask import Blueprint

            bp = Blueprint("users", __name__)


            @bp.get("/users/<id>")
            def get_user(id):
                return id
        """,
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("shop/orders.py", "list_orders", "wsgi", "shop/orders.py", 6, "shop.orders.list_orders", "."),
        ("shop/users.py", "get_user", "wsgi", "shop/users.py", 6, "shop.users.get_user", "."),
    ]
    assert result.warnings == []


def test_serverless_other_platform_handlers_are_not_lambda_handlers(tmp_path):
    make_tree(tmp_path, {
        "fn/serverless.yml": """
            service: spot
            provider:
              name: spotinst
            functions:
              hello:
                runtime: python3.6
                handler: handler.main
        """,
        "fn/handler.py": "def main(event, context):\n    return event\n",
        "other.py": "def main(event, context):\n    return event\n",
    })
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert covered(tmp_path, result) == {"fn/handler.py"}


def test_zappa_flask_ask_skill_intents(tmp_path):
    make_tree(tmp_path, {
        "zappa_settings.json": json.dumps({"dev": {"app_function": "skill.app", "aws_region": "eu-west-1"}}),
        "skill.py": """
            from flask import Flask
            from flask_ask import Ask, statement

            app = Flask(__name__)
            ask = Ask(app, "/")


            @ask.launch
            def welcome():
                return statement("hi")


            @ask.intent("BedtimeIntent")
            def bedtime():
                return statement("night")


            def helper():
                return 1
        """,
    })
    result = discover(str(tmp_path))
    assert [(h.function, h.source, h.declared_line) for h in result.handlers] == [("welcome", "zappa", 8), ("bedtime", "zappa", 13)]


DJANGO_PROJECT = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
    "mysite/__init__.py": "",
    "mysite/settings/__init__.py": "from .base import *\n",
    "mysite/settings/base.py": "SECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.urls'\nINSTALLED_APPS = ['polls']\n",
    "mysite/wsgi.py": """
        import os
        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
        application = get_wsgi_application()
    """,
    "mysite/urls.py": """
        from django.contrib import admin
        from django.urls import include, path

        from . import views

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("", views.home, name="home"),
            path("polls/", include("polls.urls")),
        ]
    """,
    "mysite/views.py": "def home(request):\n    return None\n",
    "polls/__init__.py": "",
    "polls/urls.py": """
        from django.urls import path, re_path

        from .views import detail, ResultsView
        from . import views

        urlpatterns = [
            path("", views.index, name="index"),
            re_path(r"^(?P<pk>[0-9]+)/$", detail),
            path("<int:pk>/results/", ResultsView.as_view()),
        ]
    """,
    "polls/views.py": """
        from django.views import generic


        def index(request):
            return None


        def detail(request, pk):
            return None


        class ResultsView(generic.DetailView):
            template_name = "polls/results.html"

            def get_context_data(self, **kwargs):
                return super().get_context_data(**kwargs)

            def _helper(self):
                return None
    """,
}


def test_zappa_django_views(tmp_path):
    make_tree(tmp_path, dict(DJANGO_PROJECT, **{
        "zappa_settings.json": json.dumps({"production": {"django_settings": "mysite.settings", "s3_bucket": "b"}}),
    }))
    result = discover(str(tmp_path))
    assert sorted((h.module_file.replace(str(tmp_path) + "/", ""), h.function, h.source) for h in result.handlers) == [
        ("mysite/views.py", "home", "zappa"),
        ("polls/views.py", "ResultsView.get_context_data", "zappa"),
        ("polls/views.py", "detail", "zappa"),
        ("polls/views.py", "index", "zappa"),
    ]
    assert result.warnings == []


def test_serverless_wsgi_django_views(tmp_path):
    make_tree(tmp_path, dict(DJANGO_PROJECT, **{
        "serverless.yml": """
            custom:
              wsgi:
                app: mysite.wsgi.application
            provider: {name: aws, runtime: python3.12}
            functions:
              web:
                handler: wsgi_handler.handler
        """,
    }))
    result = discover(str(tmp_path))
    assert sorted((h.function, h.source) for h in result.handlers) == [
        ("ResultsView.get_context_data", "wsgi"), ("detail", "wsgi"), ("home", "wsgi"), ("index", "wsgi")]


def test_zappa_trailing_comma_and_factory_helper(tmp_path):
    make_tree(tmp_path, {
        "zappa_settings.json": '{\n  "dev": {\n    "app_function": "run.app",\n    "s3_bucket": "b",\n  }\n}\n',
        "run.py": "from project import create_app\n\napp = create_app()\n",
        "project/__init__.py": """
            from flask import Flask


            def create_app():
                app = Flask(__name__)
                register_blueprints(app)
                return app


            def register_blueprints(app):
                from project.main.views import main_blueprint

                app.register_blueprint(main_blueprint, url_prefix="/main")
        """,
        "project/main/__init__.py": "",
        "project/main/views.py": """
            from flask import Blueprint

            main_blueprint = Blueprint("main", __name__)


            @main_blueprint.route("/")
            def index():
                return "ok"
        """,
    })
    result = discover(str(tmp_path))
    assert [(h.function, h.source) for h in result.handlers] == [("index", "zappa")]
    assert warnings_of(tmp_path, result) == [
        "zappa_settings.json:5: invalid JSON: Expecting property name enclosed in double quotes; read leniently",
    ]


def test_cdk_asset_from_another_module_resolves_a_unique_handler_module(tmp_path):
    make_tree(tmp_path, {
        "cdk.json": "{}",
        "cdk/constants.py": "BUILD_FOLDER = '.build/lambdas/'\nCREATE = 'CreateOrder'\n",
        "cdk/stack.py": """
            from aws_cdk import aws_lambda as _lambda

            from cdk import constants


            _lambda.Function(
                self,
                constants.CREATE,
                runtime=_lambda.Runtime.PYTHON_3_12,
                code=_lambda.Code.from_asset(constants.BUILD_FOLDER),
                handler="service.handlers.create_order.lambda_handler",
            )
            _lambda.Function(self, constants.CREATE, code=_lambda.Code.from_asset(constants.BUILD_FOLDER), handler="index.handler")
        """,
        "service/handlers/create_order.py": "def lambda_handler(event, context):\n    return event\n",
        "service/handlers/other.py": "def lambda_handler(event, context):\n    return event\n",
        "index.py": "def handler(event, context):\n    return event\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("service/handlers/create_order.py", "lambda_handler", "cdk", "cdk/stack.py", 11,
         "service.handlers.create_order.lambda_handler", "."),
    ]
    assert covered(tmp_path, result) == {"service/handlers/create_order.py"}
    assert warnings_of(tmp_path, result) == [
        "cdk/stack.py:13: asset path of the Function with handler 'index.handler' cannot be evaluated; not analysed",
    ]


def test_serverless_prebuilt_artifact_is_not_lam002(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            provider: {name: aws, runtime: python3.12}
            package:
              individually: true
            functions:
              random:
                handler: handler.lambda_handler
                package:
                  artifact: ./deploy/random.zip
              built:
                handler: handler.lambda_handler
                package:
                  artifact: dist/built.zip
        """,
        "dist/built/handler.py": "def lambda_handler(event, context):\n    return event\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("dist/built/handler.py", "lambda_handler", "serverless", "serverless.yml", 10, "handler.lambda_handler", "dist/built")]
    assert warnings_of(tmp_path, result) == [
        "serverless.yml:6: package artifact of function random './deploy/random.zip' is a zip archive whose source folder "
        "cannot be found; not analysed",
    ]
