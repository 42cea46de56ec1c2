"""Discovery records, per declared function, whether its deployment turns SnapStart on."""
from __future__ import annotations

import textwrap
from pathlib import Path

from lambda_lint.discovery import discover

PY = "def {name}(event, context):\n    return event\n"


def make_tree(root: Path, files: dict) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"))


def snapstart_by_spec(root: Path) -> dict:
    return {h.spec: h.snapstart for h in discover(str(root)).handlers}


def test_sam_function_globals_and_overrides(tmp_path):
    make_tree(tmp_path, {
        "template.yaml": """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              SnapMode: {Type: String, Default: PublishedVersions}
            Globals:
              Function:
                Runtime: python3.12
                CodeUri: src/
                AutoPublishAlias: live
                SnapStart:
                  ApplyOn: PublishedVersions
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: orders.handler
              Reports:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: reports.handler
                  SnapStart:
                    ApplyOn: None
              Billing:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: billing.handler
                  SnapStart:
                    ApplyOn: !Ref SnapMode
        """,
        "src/orders.py": PY.format(name="handler"),
        "src/reports.py": PY.format(name="handler"),
        "src/billing.py": PY.format(name="handler"),
    })
    assert snapstart_by_spec(tmp_path) == {"orders.handler": True, "reports.handler": False, "billing.handler": False}


def test_sam_function_setting_without_globals_and_publish_alone_is_off(tmp_path):
    make_tree(tmp_path, {
        "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Snap:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: app/
                  Handler: snap.run
                  AutoPublishAlias: live
                  SnapStart: {ApplyOn: PublishedVersions}
              Plain:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: app/
                  Handler: plain.run
                  AutoPublishAlias: live
        """,
        "app/snap.py": PY.format(name="run"),
        "app/plain.py": PY.format(name="run"),
    })
    assert snapstart_by_spec(tmp_path) == {"snap.run": True, "plain.run": False}


def test_cloudformation_lambda_function_yaml_and_json(tmp_path):
    make_tree(tmp_path, {
        "stack.yaml": """
            Resources:
              Worker:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python3.12
                  Handler: worker.main
                  Code: build/worker
                  Role: !GetAtt WorkerRole.Arn
                  SnapStart:
                    ApplyOn: PublishedVersions
        """,
        "build/worker/worker.py": PY.format(name="main"),
        "other/stack.json": """
            {
              "Resources": {
                "Api": {
                  "Type": "AWS::Lambda::Function",
                  "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "api.main",
                    "Code": "code",
                    "SnapStart": {"ApplyOn": "None"}
                  }
                }
              }
            }
        """,
        "other/code/api.py": PY.format(name="main"),
    })
    assert snapstart_by_spec(tmp_path) == {"worker.main": True, "api.main": False}


def test_serverless_snapstart_true_only(tmp_path):
    make_tree(tmp_path, {
        "serverless.yml": """
            service: shop
            provider:
              name: aws
              runtime: python3.12
            functions:
              checkout:
                handler: handlers/checkout.run
                snapStart: true
              refund:
                handler: handlers/refund.run
                snapStart: ${param:snap, false}
              report:
                handler: handlers/report.run
        """,
        "handlers/checkout.py": PY.format(name="run"),
        "handlers/refund.py": PY.format(name="run"),
        "handlers/report.py": PY.format(name="run"),
    })
    assert snapstart_by_spec(tmp_path) == {
        "handlers/checkout.run": True, "handlers/refund.run": False, "handlers/report.run": False,
    }


def test_cdk_python_snap_start_keyword(tmp_path):
    make_tree(tmp_path, {
        "cdk.json": '{"app": "python3 app.py"}\n',
        "app.py": """
            from aws_cdk import App, Stack
            from aws_cdk import aws_lambda as _lambda
            from aws_cdk.aws_lambda_python_alpha import PythonFunction

            SNAP = _lambda.SnapStartConf.ON_PUBLISHED_VERSIONS


            class Api(Stack):
                def __init__(self, scope, name):
                    super().__init__(scope, name)
                    _lambda.Function(self, "Orders", runtime=_lambda.Runtime.PYTHON_3_12, handler="orders.handler",
                                     code=_lambda.Code.from_asset("lambda"), snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS)
                    _lambda.Function(self, "Users", runtime=_lambda.Runtime.PYTHON_3_12, handler="users.handler",
                                     code=_lambda.Code.from_asset("lambda"))
                    PythonFunction(self, "Jobs", entry="jobs", index="main.py", handler="run", snap_start=SNAP)


            App().synth()
        """,
        "lambda/orders.py": PY.format(name="handler"),
        "lambda/users.py": PY.format(name="handler"),
        "jobs/main.py": PY.format(name="run"),
    })
    assert snapstart_by_spec(tmp_path) == {"orders.handler": True, "users.handler": False, "main.run": True}


def test_cdk_typescript_snap_start_property(tmp_path):
    make_tree(tmp_path, {
        "cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
        "lib/stack.ts": """
            import * as lambda from 'aws-cdk-lib/aws-lambda';
            import * as path from 'path';

            export class ApiStack extends cdk.Stack {
              constructor(scope: Construct, id: string) {
                super(scope, id);
                const orders = new lambda.Function(this, 'Orders', {
                  runtime: lambda.Runtime.PYTHON_3_12,
                  handler: 'orders.handler',
                  code: lambda.Code.fromAsset(path.join(__dirname, '../lambda')),
                  snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS,
                });
                new lambda.Function(this, 'Users', {
                  runtime: lambda.Runtime.PYTHON_3_12,
                  handler: 'users.handler',
                  code: lambda.Code.fromAsset(path.join(__dirname, '../lambda')),
                });
              }
            }
        """,
        "lambda/orders.py": PY.format(name="handler"),
        "lambda/users.py": PY.format(name="handler"),
    })
    assert snapstart_by_spec(tmp_path) == {"orders.handler": True, "users.handler": False}


def test_terraform_resource_block_and_module_flag(tmp_path):
    make_tree(tmp_path, {
        "main.tf": """
            data "archive_file" "api" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/api.zip"
            }

            resource "aws_lambda_function" "api" {
              function_name = "api"
              handler       = "api.handler"
              runtime       = "python3.12"
              filename      = data.archive_file.api.output_path
              publish       = true

              snap_start {
                apply_on = "PublishedVersions"
              }
            }

            resource "aws_lambda_function" "cron" {
              function_name = "cron"
              handler       = "cron.handler"
              runtime       = "python3.12"
              filename      = data.archive_file.api.output_path
              publish       = true
            }

            resource "aws_lambda_function" "toggled" {
              function_name = "toggled"
              handler       = "toggled.handler"
              runtime       = "python3.12"
              filename      = data.archive_file.api.output_path

              snap_start {
                apply_on = var.snap_apply_on
              }
            }

            module "worker" {
              source        = "terraform-aws-modules/lambda/aws"
              function_name = "worker"
              handler       = "worker.handler"
              runtime       = "python3.12"
              source_path   = "${path.module}/worker"
              publish       = true
              snap_start    = true
            }
        """,
        "src/api.py": PY.format(name="handler"),
        "src/cron.py": PY.format(name="handler"),
        "src/toggled.py": PY.format(name="handler"),
        "worker/worker.py": PY.format(name="handler"),
    })
    assert snapstart_by_spec(tmp_path) == {
        "api.handler": True, "cron.handler": False, "toggled.handler": False, "worker.handler": True,
    }


def test_pulumi_snap_start_args_and_dict(tmp_path):
    make_tree(tmp_path, {
        "infra/Pulumi.yaml": "name: shop\nruntime: python\n",
        "infra/__main__.py": """
            import pulumi
            import pulumi_aws as aws

            code = pulumi.FileArchive("../app")
            aws.lambda_.Function("orders", runtime="python3.12", handler="orders.handler", code=code, publish=True,
                                 snap_start=aws.lambda_.FunctionSnapStartArgs(apply_on="PublishedVersions"))
            aws.lambda_.Function("users", runtime="python3.12", handler="users.handler", code=code,
                                 snap_start={"apply_on": "PublishedVersions"})
            aws.lambda_.Function("jobs", runtime="python3.12", handler="jobs.handler", code=code, publish=True)
        """,
        "app/orders.py": PY.format(name="handler"),
        "app/users.py": PY.format(name="handler"),
        "app/jobs.py": PY.format(name="handler"),
    })
    assert snapstart_by_spec(tmp_path) == {"orders.handler": True, "users.handler": True, "jobs.handler": False}
