"""Discovery of handlers declared by infrastructure files (lambda_lint.discovery)."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

from lambda_lint.discovery import DeclaredHandler, Discovery, discover
from lambda_lint.discovery.yaml_lines import CloudFormationLoader

from .helpers import ACCEPTANCE as ALL_ACCEPTANCE

ACCEPTANCE = ALL_ACCEPTANCE / "discovery"


def make_tree(root: Path, files: dict) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))


def rel(root: Path, path):
    return None if path is None else os.path.relpath(path, root)


def found(root: Path, result: Discovery) -> list:
    """(module, function, source, declared_in, line, spec, code_root), paths relative to root."""
    return [
        (rel(root, h.module_file), h.function, h.source, rel(root, h.declared_in), h.declared_line, h.spec, rel(root, h.code_root))
        for h in result.handlers
    ]


def covered(root: Path, result: Discovery) -> set:
    return {rel(root, p) for p in result.covered_files}


def warnings_of(root: Path, result: Discovery) -> list:
    return [w.replace(str(root) + os.sep, "") for w in result.warnings]


PY = "def process(event, context):\n    return event\n"


# --- SAM / CloudFormation ----------------------------------------------------------

SAM_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.12
    CodeUri: services/
    Handler: shared.entry.handle
    Environment:
      Variables:
        TABLE: !Ref Table
        URL: !Sub "https://${AWS::Region}.example.com"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.process
      MemorySize: !If [IsProd, 1024, 256]
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  Reports:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/reports
      Handler: pkg/builders/monthly.build
      Layers: [!Join ["", [!ImportValue SharedLayer, ":1"]]]
  Defaults:
    Type: AWS::Serverless::Function
    Properties:
      Description: !Select [0, !Split [",", "a,b"]]
  Package:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handlers.entry
  Node:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): pass"
      Handler: index.h
  Remote:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/code.zip
      Handler: remote.handle
Outputs:
  Arn:
    Value: !GetAtt Orders.Arn
    Condition: IsProd
  B64:
    Value: !Base64 {"Fn::FindInMap": [M, K, V]}
  Zones:
    Value: !Select [0, !GetAZs ""]
  Net:
    Value: !Cidr [10.0.0.0/16, 2, 8]
  Flag:
    Value: !And [!Not [!Condition IsProd], !Or [!Condition IsProd, !Condition IsProd]]
"""


def test_sam_template_with_globals_tags_packages_and_skipped_functions(tmp_path):
    make_tree(
        tmp_path,
        {
            "template.yaml": SAM_TEMPLATE,
            "services/orders.py": PY,
            "services/shared/__init__.py": "",
            "services/shared/entry.py": "def handle(event, context):\n    pass\n",
            "services/handlers/__init__.py": "def entry(event, context):\n    pass\n",
            "functions/reports/pkg/__init__.py": "",
            "functions/reports/pkg/builders/__init__.py": "",
            "functions/reports/pkg/builders/monthly.py": "def build(event, context):\n    pass\n",
            "functions/reports/pkg/builders/unused.py": "",
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("services/shared/entry.py", "handle", "sam", "template.yaml", 11, "shared.entry.handle", "services"),
        ("services/orders.py", "process", "sam", "template.yaml", 22, "orders.process", "services"),
        ("functions/reports/pkg/builders/monthly.py", "build", "sam", "template.yaml", 33, "pkg/builders/monthly.build", "functions/reports"),
        ("services/handlers/__init__.py", "entry", "sam", "template.yaml", 42, "handlers.entry", "services"),
    ]
    assert result.warnings == []
    assert covered(tmp_path, result) == {
        "services/orders.py",
        "services/shared/__init__.py",
        "services/shared/entry.py",
        "services/handlers/__init__.py",
        "functions/reports/pkg/__init__.py",
        "functions/reports/pkg/builders/__init__.py",
        "functions/reports/pkg/builders/monthly.py",
        "functions/reports/pkg/builders/unused.py",
    }


def test_sam_without_code_uri_uses_the_template_folder(tmp_path):
    make_tree(
        tmp_path,
        {
            "stacks/api/template.yml": """
                Resources:
                  Api:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: python3.11
                      Handler: app.lambda_entry
            """,
            "stacks/api/app.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("stacks/api/app.py", "lambda_entry", "sam", "stacks/api/template.yml", 6, "app.lambda_entry", "stacks/api"),
    ]


def test_cloudformation_json_template(tmp_path):
    template = (
        '{\n'
        '\t"AWSTemplateFormatVersion": "2010-09-09",\n'
        '\t"Resources": {\n'
        '\t\t"Worker": {\n'
        '\t\t\t"Type": "AWS::Lambda::Function",\n'
        '\t\t\t"Properties": {\n'
        '\t\t\t\t"Runtime": "python3.12",\n'
        '\t\t\t\t"Code": "build/worker",\n'
        '\t\t\t\t"Handler": "jobs.worker.run",\n'
        '\t\t\t\t"Role": {"Fn::GetAtt": ["Role", "Arn"]}\n'
        '\t\t\t}\n'
        '\t\t},\n'
        '\t\t"OnS3": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "x.y",\n'
        '\t\t\t"Code": {"S3Bucket": "b", "S3Key": "k"}}},\n'
        '\t\t"Inline": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "index.h",\n'
        '\t\t\t"Code": {"ZipFile": "def h(e, c): pass"}}}\n'
        '\t}\n'
        '}\n'
    )
    make_tree(tmp_path, {"infra/stack.json": template, "infra/build/worker/jobs/worker.py": PY})
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("infra/build/worker/jobs/worker.py", "run", "cloudformation", "infra/stack.json", 9, "jobs.worker.run", "infra/build/worker"),
    ]
    assert result.warnings == []


def test_cloudformation_yaml_lambda_function_with_local_code_path(tmp_path):
    make_tree(
        tmp_path,
        {
            "cfn.yaml": """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Fn:
                    Type: AWS::Lambda::Function
                    Properties:
                      Code: ./src
                      Runtime: python3.9
                      Handler: main.handler
                      Role: !GetAtt Role.Arn
                  JavaFn:
                    Type: AWS::Lambda::Function
                    Properties:
                      Code: ./java
                      Runtime: java21
                      Handler: com.example.Handler::handleRequest
            """,
            "src/main.py": "handler = object()\n",
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("src/main.py", "handler", "cloudformation", "cfn.yaml", 8, "main.handler", "src")]


def test_sam_image_function_uses_image_config_command_and_docker_context(tmp_path):
    make_tree(
        tmp_path,
        {
            "template.yaml": """
                Resources:
                  Thumbs:
                    Type: AWS::Serverless::Function
                    Properties:
                      PackageType: Image
                      ImageConfig:
                        Command: ["thumbs.make"]
                    Metadata:
                      DockerContext: ./image
                      Dockerfile: Dockerfile.lambda
            """,
            "image/Dockerfile.lambda": """
                FROM public.ecr.aws/lambda/python:3.12
                COPY requirements.txt ${LAMBDA_TASK_ROOT}
                COPY app/ ${LAMBDA_TASK_ROOT}/
                CMD ["thumbs.other"]
            """,
            "image/app/thumbs.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("image/app/thumbs.py", "other", "docker", "image/Dockerfile.lambda", 4, "thumbs.other", "image/app"),
        ("image/app/thumbs.py", "make", "sam", "template.yaml", 7, "thumbs.make", "image/app"),
    ]


def test_cloudformation_loader_is_a_safe_loader_that_reads_short_tags():
    # SafeLoader's constructor (the part that refuses Python objects), with libyaml's parser when present.
    assert issubclass(CloudFormationLoader, yaml.constructor.SafeConstructor)
    assert not issubclass(CloudFormationLoader, yaml.constructor.FullConstructor)
    data = yaml.load("a: !Ref X\nb: !GetAtt R.Arn\nc: !Sub ['${x}', {x: 1}]\n", Loader=CloudFormationLoader)
    assert data == {"a": {"Ref": "X"}, "b": {"Fn::GetAtt": "R.Arn"}, "c": {"Fn::Sub": ["${x}", {"x": 1}]}}


def test_python_object_tags_are_refused_with_a_warning(tmp_path):
    make_tree(
        tmp_path,
        {
            "template.yaml": """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: !!python/object/apply:os.system ["echo pwned"]
            """,
        },
    )
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("template.yaml:4: invalid YAML: could not determine a constructor")


# --- Serverless Framework ----------------------------------------------------------

def test_serverless_handlers_in_folders_variables_and_runtimes(tmp_path):
    make_tree(
        tmp_path,
        {
            "svc/serverless.yml": """
                service: pipeline
                provider:
                  name: aws
                  runtime: python3.11
                  stage: ${opt:stage, 'dev'}
                  environment:
                    BUCKET: ${self:service}-${sls:stage}
                custom:
                  entry: src/other.run
                functions:
                  ingest:
                    handler: src/handlers/ingest.run
                    events:
                      - s3: ${self:custom.bucket}
                  report:
                    handler: reports.monthly.build
                  web:
                    runtime: nodejs20.x
                    handler: web/index.handler
                  dynamic:
                    handler: ${self:custom.entry}
                  packaged:
                    module: lambdas/packaged
                    handler: main.go
                  fromenv:
                    handler: ${env:ENTRY}
                resources:
                  Resources:
                    Bucket:
                      Type: AWS::S3::Bucket
                      Properties:
                        BucketName: !Sub "${AWS::StackName}-b"
            """,
            "svc/src/handlers/ingest.py": PY,
            "svc/reports/__init__.py": "",
            "svc/reports/monthly.py": PY,
            "svc/lambdas/packaged/main.py": PY,
            "svc/src/other.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("svc/src/handlers/ingest.py", "run", "serverless", "svc/serverless.yml", 12, "src/handlers/ingest.run", "svc"),
        ("svc/reports/monthly.py", "build", "serverless", "svc/serverless.yml", 16, "reports.monthly.build", "svc"),
        # ${self:custom.entry} resolves inside the file
        ("svc/src/other.py", "run", "serverless", "svc/serverless.yml", 21, "src/other.run", "svc"),
        ("svc/lambdas/packaged/main.py", "go", "serverless", "svc/serverless.yml", 24, "main.go", "svc/lambdas/packaged"),
    ]
    assert warnings_of(tmp_path, result) == [
        "svc/serverless.yml:26: handler of function fromenv is not a literal string; not analysed",
    ]


def test_serverless_node_provider_keeps_only_python_functions(tmp_path):
    make_tree(
        tmp_path,
        {
            "serverless.yaml": """
                provider:
                  runtime: nodejs18.x
                functions:
                  js:
                    handler: index.handler
                  py:
                    runtime: python3.12
                    handler: tools/cleanup.sweep
            """,
            "tools/cleanup.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("tools/cleanup.py", "sweep", "serverless", "serverless.yaml", 8, "tools/cleanup.sweep", ".")]


# --- CDK ------------------------------------------------------------------------------

CDK_STACK = '''
import os
from pathlib import Path

from aws_cdk import Stack, aws_lambda as _lambda
import aws_cdk.aws_lambda as lambda_
from aws_cdk.aws_lambda import Code, Function, Runtime
from aws_cdk.aws_lambda_python_alpha import PythonFunction

HERE = os.path.dirname(__file__)


class Services(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        _lambda.Function(
            self,
            "Worker",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="worker.main",
            code=_lambda.Code.from_asset("lambda"),
        )
        lambda_.Function(self, "Joined", runtime=lambda_.Runtime.PYTHON_3_11, code=lambda_.Code.from_asset(os.path.join(HERE, "..", "functions", "joined")), handler="jobs.run")
        Function(self, "Pathlib", runtime=Runtime.PYTHON_3_12, handler="app.entry", code=Code.from_asset(str(Path(__file__).parent.parent / "functions" / "pathlib_fn")))
        Function(self, "Node", runtime=Runtime.NODEJS_20_X, handler="index.handler", code=Code.from_asset("web"))
        Function(self, "Inline", runtime=Runtime.PYTHON_3_12, handler="index.main", code=Code.from_inline("def main(e, c): pass"))
        PythonFunction(self, "Defaults", entry="functions/defaults", runtime=Runtime.PYTHON_3_12)
        PythonFunction(
            self,
            "Explicit",
            entry="functions/explicit",
            index="service/app.py",
            handler="serve",
        )
'''


def test_cdk_python_functions_and_python_functions(tmp_path):
    make_tree(
        tmp_path,
        {
            "infra/cdk.json": '{"app": "python3 app.py"}\n',
            "infra/app.py": "import aws_cdk as cdk\nfrom stacks.services import Services\napp = cdk.App()\nServices(app, 'S')\napp.synth()\n",
            "infra/stacks/__init__.py": "",
            "infra/stacks/services.py": CDK_STACK,
            "infra/lambda/worker.py": "def main(event, context):\n    pass\n",
            "infra/functions/joined/jobs.py": "def run(event, context):\n    pass\n",
            "infra/functions/pathlib_fn/app.py": "def entry(event, context):\n    pass\n",
            "infra/functions/defaults/index.py": "def handler(event, context):\n    pass\n",
            "infra/functions/explicit/service/app.py": "def serve(event, context):\n    pass\n",
        },
    )
    result = discover(str(tmp_path))
    stack = "infra/stacks/services.py"
    assert found(tmp_path, result) == [
        ("infra/lambda/worker.py", "main", "cdk", stack, 19, "worker.main", "infra/lambda"),
        ("infra/functions/joined/jobs.py", "run", "cdk", stack, 22, "jobs.run", "infra/functions/joined"),
        ("infra/functions/pathlib_fn/app.py", "entry", "cdk", stack, 23, "app.entry", "infra/functions/pathlib_fn"),
        ("infra/functions/defaults/index.py", "handler", "cdk", stack, 26, "index.handler", "infra/functions/defaults"),
        ("infra/functions/explicit/service/app.py", "serve", "cdk", stack, 32, "service/app.serve", "infra/functions/explicit"),
    ]
    assert result.warnings == []


def test_cdk_python_without_cdk_json_resolves_assets_from_the_file_folder(tmp_path):
    make_tree(
        tmp_path,
        {
            "deploy/stack.py": """
                from os import path
                from aws_cdk import aws_lambda
                CODE = aws_lambda.Code.from_asset("handlers")
                def build(scope):
                    aws_lambda.Function(scope, "F", runtime=aws_lambda.Runtime.PYTHON_3_12, code=CODE, handler="ping.pong")
                    asset = aws_lambda.Code.from_asset(path.join(path.dirname(__file__), "..", "shared"))
                    aws_lambda.Function(scope, "G", code=asset, handler="tools.clean.run", runtime=aws_lambda.Runtime("python3.13"))
                    aws_lambda.Function(scope, "H", code=aws_lambda.Code.from_asset(f"{scope}/x"), handler="a.b")
            """,
            "deploy/handlers/ping.py": "def pong(event, context):\n    pass\n",
            "shared/tools/clean.py": "def run(event, context):\n    pass\n",
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("deploy/handlers/ping.py", "pong", "cdk", "deploy/stack.py", 5, "ping.pong", "deploy/handlers"),
        ("shared/tools/clean.py", "run", "cdk", "deploy/stack.py", 7, "tools.clean.run", "shared"),
    ]
    assert warnings_of(tmp_path, result) == ["deploy/stack.py:8: asset path of Function 'H' cannot be evaluated; not analysed"]


def test_cdk_python_ignores_unrelated_function_classes(tmp_path):
    make_tree(
        tmp_path,
        {
            "cdk.json": "{}",
            "stack.py": """
                from aws_cdk import aws_cloudfront as cloudfront
                from mylib import Function
                def build(scope, Code):
                    Function(handler="a.b", code=Code.from_asset("x"))
                    cloudfront.Function(scope, "F", code=cloudfront.FunctionCode.from_inline("x"))
            """,
        },
    )
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert result.warnings == []


CDK_TS_STACK = """
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PythonFunction } from '@aws-cdk/aws-lambda-python-alpha';

export class JobsStack extends cdk.Stack {
  constructor(scope: cdk.App, id: string) {
    super(scope, id);
    new lambda.Function(this, 'Worker', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'worker.main',
      code: lambda.Code.fromAsset('lambda'),
    });
    new lambda.Function(this, 'Nested', {
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'functions', 'nested'), { exclude: ['*.md'] }),
      handler: "tasks.sweep.run", // comment (with parens)
      runtime: lambda.Runtime.PYTHON_3_11,
    });
    new lambda.Function(this, 'Web', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset('web'),
    });
    new PythonFunction(this, 'Py', {
      entry: 'functions/py',
      index: 'main.py',
      handler: 'go',
    });
  }
}
"""


def test_cdk_typescript_stacks(tmp_path):
    make_tree(
        tmp_path,
        {
            "cdk/cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
            "cdk/lib/jobs-stack.ts": CDK_TS_STACK,
            "cdk/lib/jobs-stack.d.ts": "export declare class JobsStack { }\n",
            "cdk/lambda/worker.py": PY,
            "cdk/functions/nested/tasks/sweep.py": PY,
            "cdk/functions/py/main.py": PY,
            "cdk/node_modules/aws-cdk-lib/x.ts": "new lambda.Function(this, 'X', { handler: 'a.b', code: lambda.Code.fromAsset('q') });\n",
            "elsewhere/not-cdk.ts": "new lambda.Function(this, 'X', { handler: 'a.b', code: lambda.Code.fromAsset('q') });\n",
        },
    )
    result = discover(str(tmp_path))
    stack = "cdk/lib/jobs-stack.ts"
    assert found(tmp_path, result) == [
        ("cdk/lambda/worker.py", "main", "cdk", stack, 11, "worker.main", "cdk/lambda"),
        ("cdk/functions/nested/tasks/sweep.py", "run", "cdk", stack, 16, "tasks.sweep.run", "cdk/functions/nested"),
        ("cdk/functions/py/main.py", "go", "cdk", stack, 27, "main.go", "cdk/functions/py"),
    ]
    assert result.warnings == []


# --- Terraform ------------------------------------------------------------------------

TERRAFORM_MAIN = """
data "archive_file" "jobs" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/jobs.zip"
}

resource "aws_lambda_function" "jobs" {
  function_name = "jobs"
  role          = aws_iam_role.jobs.arn
  runtime       = "python3.12"
  filename      = data.archive_file.jobs.output_path
  handler       = "jobs.execute"

  environment {
    variables = { handler = "not this one" }
  }
}

resource "aws_lambda_function" "single" {
  filename = data.archive_file.single.output_path
  handler  = "single.go"
  runtime  = "python3.12"
}

resource "aws_lambda_function" "prebuilt" {
  filename = "${path.module}/dist/prebuilt.zip"
  runtime  = "python3.12"
  handler  = "pkg.entry.start"
}

resource "aws_lambda_function" "node" {
  filename = "web.zip"
  runtime  = "nodejs20.x"
  handler  = "index.handler"
}

resource "aws_lambda_function" "from_var" {
  filename = data.archive_file.jobs.output_path
  runtime  = "python3.12"
  handler  = var.handler
}

resource "aws_lambda_function" "on_s3" {
  s3_bucket = "b"
  s3_key    = "k"
  runtime   = "python3.12"
  handler   = "a.b"
}

module "notifier" {
  source      = "terraform-aws-modules/lambda/aws"
  handler     = "notify.send"
  runtime     = "python3.12"
  source_path = "${path.module}/../lambdas/notifier"
}

module "listed" {
  source  = "terraform-aws-modules/lambda/aws"
  handler = "index.lambda_handler"
  source_path = [
    {
      path             = "${path.module}/../lambdas/listed"
      pip_requirements = true
    }
  ]
}
"""

TERRAFORM_ARCHIVES = """
data "archive_file" "single" {
  type        = "zip"
  source_file = "${path.module}/scripts/single.py"
  output_path = "${path.module}/build/single.zip"
}
"""


def test_terraform_archive_file_literal_zip_and_modules(tmp_path):
    make_tree(
        tmp_path,
        {
            "tf/main.tf": TERRAFORM_MAIN,
            "tf/archives.tf": TERRAFORM_ARCHIVES,
            "tf/variables.tf": 'variable "handler" {\n  type = string\n}\n',
            "tf/src/jobs.py": PY,
            "tf/src/helpers.py": "",
            "tf/scripts/single.py": PY,
            "tf/scripts/unrelated.py": "",
            "tf/dist/prebuilt/pkg/__init__.py": "",
            "tf/dist/prebuilt/pkg/entry.py": PY,
            "lambdas/notifier/notify.py": PY,
            "lambdas/listed/index.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("tf/src/jobs.py", "execute", "terraform", "tf/main.tf", 12, "jobs.execute", "tf/src"),
        ("tf/scripts/single.py", "go", "terraform", "tf/main.tf", 21, "single.go", "tf/scripts"),
        ("tf/dist/prebuilt/pkg/entry.py", "start", "terraform", "tf/main.tf", 28, "pkg.entry.start", "tf/dist/prebuilt"),
        ("lambdas/notifier/notify.py", "send", "terraform", "tf/main.tf", 52, "notify.send", "lambdas/notifier"),
        ("lambdas/listed/index.py", "lambda_handler", "terraform", "tf/main.tf", 59, "index.lambda_handler", "lambdas/listed"),
    ]
    assert warnings_of(tmp_path, result) == [
        "tf/main.tf:40: handler of aws_lambda_function.from_var is not a literal string; not analysed",
    ]
    # A single-file archive covers that file only, not its folder.
    assert covered(tmp_path, result) == {
        "tf/src/jobs.py",
        "tf/src/helpers.py",
        "tf/scripts/single.py",
        "tf/dist/prebuilt/pkg/__init__.py",
        "tf/dist/prebuilt/pkg/entry.py",
        "lambdas/notifier/notify.py",
        "lambdas/listed/index.py",
    }


def test_terraform_zip_without_a_matching_folder_is_a_warning(tmp_path):
    make_tree(
        tmp_path,
        {
            "main.tf": """
                resource "aws_lambda_function" "built" {
                  filename = "artifacts/built.zip"
                  handler  = "built.run"
                  runtime  = "python3.12"
                }
            """,
        },
    )
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == [
        "main.tf:3: filename of aws_lambda_function.built 'artifacts/built.zip' is a zip archive whose source folder cannot be found; not analysed",
    ]


def test_invalid_hcl_is_a_warning(tmp_path):
    make_tree(tmp_path, {"main.tf": 'resource "aws_lambda_function" "x" {\n  handler = "a.b"\n  runtime = \n'})
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("main.tf:")
    assert ": invalid HCL: " in result.warnings[0]


# --- Chalice ----------------------------------------------------------------------------

CHALICE_APP = """
from chalice import Chalice, Cron

from chalicelib import storage

app = Chalice(app_name="photos")


@app.route("/photos", methods=["POST"])
def upload():
    return storage.save(app.current_request.json_body)


@app.on_s3_event(bucket="incoming", events=["s3:ObjectCreated:*"])
def on_upload(event):
    storage.index(event.key)


@app.schedule(Cron(0, 3, "*", "*", "?", "*"))
def nightly(event):
    storage.compact()


@app.lambda_function(name="resize")
def resize(event, context):
    return storage.resize(event)


@app.websocket_message()
def message(event):
    return event.body


def helper():
    return 1
"""


def test_chalice_decorated_functions(tmp_path):
    make_tree(
        tmp_path,
        {
            "photos/app.py": CHALICE_APP,
            "photos/chalicelib/__init__.py": "",
            "photos/chalicelib/storage.py": "def save(x):\n    return x\n",
            "photos/tests/test_app.py": "def test_x():\n    pass\n",
        },
    )
    result = discover(str(tmp_path))
    app = "photos/app.py"
    assert found(tmp_path, result) == [
        (app, "upload", "chalice", app, 8, "app.upload", "photos"),
        (app, "on_upload", "chalice", app, 13, "app.on_upload", "photos"),
        (app, "nightly", "chalice", app, 18, "app.nightly", "photos"),
        (app, "resize", "chalice", app, 23, "app.resize", "photos"),
        (app, "message", "chalice", app, 28, "app.message", "photos"),
    ]
    # app.py and chalicelib/ are deployed; the tests folder is not.
    assert covered(tmp_path, result) == {app, "photos/chalicelib/__init__.py", "photos/chalicelib/storage.py"}


# --- Docker -----------------------------------------------------------------------------

def test_dockerfile_on_lambda_base_image(tmp_path):
    make_tree(
        tmp_path,
        {
            "images/resize/Dockerfile": """
                # syntax=docker/dockerfile:1
                FROM public.ecr.aws/lambda/python:3.12 AS base
                COPY requirements.txt ${LAMBDA_TASK_ROOT}
                RUN pip install -r requirements.txt \\
                    --target "${LAMBDA_TASK_ROOT}"

                FROM base
                COPY src/ ${LAMBDA_TASK_ROOT}
                CMD [ "resize.handler" ]
            """,
            "images/resize/src/resize.py": "def handler(event, context):\n    pass\n",
            "images/shell/Dockerfile": """
                FROM amazon/aws-lambda-python:3.9
                COPY app.py ./
                CMD app.main
            """,
            "images/shell/app.py": "def main(event, context):\n    pass\n",
            "images/web/Dockerfile": """
                FROM python:3.12-slim
                COPY . .
                CMD ["gunicorn", "app:wsgi"]
            """,
            "images/ric/Dockerfile.lambda": """
                FROM python:3.12-slim
                WORKDIR /function
                COPY requirements.txt .
                COPY src/ .
                ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]
                CMD ["handler.run"]
            """,
            "images/ric/src/handler.py": "def run(event, context):\n    pass\n",
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("images/resize/src/resize.py", "handler", "docker", "images/resize/Dockerfile", 9, "resize.handler", "images/resize/src"),
        ("images/ric/src/handler.py", "run", "docker", "images/ric/Dockerfile.lambda", 6, "handler.run", "images/ric/src"),
        ("images/shell/app.py", "main", "docker", "images/shell/Dockerfile", 3, "app.main", "images/shell"),
    ]
    assert result.warnings == []


# --- ASGI / WSGI adapters ---------------------------------------------------------------

FASTAPI_APP = """
from fastapi import APIRouter, FastAPI
from mangum import Mangum

app = FastAPI()
router = APIRouter(prefix="/items")


@app.get("/health")
def health():
    return {"ok": True}


@router.post("/")
async def create_item(item: dict):
    return item


@app.api_route("/legacy", methods=["GET"])
def legacy():
    return {}


def not_a_route():
    return 1


app.include_router(router)
handler = Mangum(app, lifespan="off")
"""

FLASK_APP = """
import flask
from apig_wsgi import make_lambda_handler

web = flask.Flask(__name__)


@web.route("/")
def index():
    return "hi"


lambda_handler = make_lambda_handler(web)
"""


def test_mangum_fastapi_and_apig_wsgi_flask_routes(tmp_path):
    make_tree(tmp_path, {"api/main.py": FASTAPI_APP, "api/models.py": "", "site/wsgi.py": FLASK_APP})
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("api/main.py", "health", "asgi", "api/main.py", 8, "main.health", "api"),
        ("api/main.py", "create_item", "asgi", "api/main.py", 13, "main.create_item", "api"),
        ("api/main.py", "legacy", "asgi", "api/main.py", 18, "main.legacy", "api"),
        ("site/wsgi.py", "index", "asgi", "site/wsgi.py", 7, "wsgi.index", "site"),
    ]
    assert covered(tmp_path, result) == {"api/main.py", "site/wsgi.py"}


def test_adapter_wrapping_an_imported_app_reads_that_modules_routes(tmp_path):
    make_tree(
        tmp_path,
        {
            "service/handler.py": "from mangum import Mangum\n\nfrom api.main import app\n\nhandler = Mangum(app)\n",
            "service/other_handler.py": "from mangum import Mangum\nfrom api.main import app\nlambda_handler = Mangum(app)\n",
            "service/api/__init__.py": "",
            "service/api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\ndef root():\n    return {}\n",
            "service/api/unused.py": "",
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        ("service/api/main.py", "root", "asgi", "service/api/main.py", 6, "api.main.root", "service"),
    ]
    assert covered(tmp_path, result) == {"service/handler.py", "service/other_handler.py", "service/api/main.py"}


# --- failures ---------------------------------------------------------------------------

MISSING_TEMPLATE = """
Resources:
  NoFile:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Runtime: python3.12
      Handler: absent.handler
  NoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Runtime: python3.12
      Handler: billing.charge
  NoFolder:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: not_there/
      Runtime: python3.12
      Handler: x.y
"""


def test_missing_file_and_missing_function_are_returned_for_lam002(tmp_path):
    make_tree(tmp_path, {"template.yaml": MISSING_TEMPLATE, "src/billing.py": "def charge_card(event, context):\n    pass\n"})
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [
        (None, "handler", "sam", "template.yaml", 7, "absent.handler", "src"),
        ("src/billing.py", "charge", "sam", "template.yaml", 13, "billing.charge", "src"),
    ]
    # A code folder that does not exist at all is build output or a snippet: a warning, not LAM002.
    assert warnings_of(tmp_path, result) == ["template.yaml:19: code folder of handler 'x.y' does not exist; not analysed"]
    # The file of the second handler exists but does not define the function.
    text = (tmp_path / "src/billing.py").read_text()
    assert "def charge(" not in text


def test_code_or_handler_outside_the_tree_is_a_warning_not_a_handler(tmp_path):
    project = tmp_path / "project"
    make_tree(
        tmp_path,
        {
            "other/app.py": PY,
            "project/template.yaml": """
                Resources:
                  Outside:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: ../other
                      Runtime: python3.12
                      Handler: app.process
                  Climbing:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src
                      Runtime: python3.12
                      Handler: ../../other/app.process
            """,
            "project/src/keep.py": "",
        },
    )
    result = discover(str(project))
    assert result.handlers == []
    assert warnings_of(project, result) == [
        "template.yaml:5: CodeUri of Outside '../other' points outside the checked folder; not analysed",
        "template.yaml:13: handler '../../other/app.process' points outside the checked folder; not analysed",
    ]
    assert result.covered_files == set()


def test_invalid_yaml_is_a_warning_with_its_line(tmp_path):
    make_tree(
        tmp_path,
        {
            "template.yaml": """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: [unclosed
                      CodeUri: src
            """,
        },
    )
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("template.yaml:6: invalid YAML: ")


def test_invalid_json_template_is_a_warning(tmp_path):
    make_tree(tmp_path, {"stack.json": '{"Resources": {"F": {"Type": "AWS::Lambda::Function",\n  "Properties": }}}\n'})
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == ["stack.json:2: invalid JSON: Expecting value"]


def test_unreadable_template_is_a_warning(tmp_path):
    (tmp_path / "template.yaml").symlink_to(tmp_path / "gone.yaml")
    make_tree(tmp_path, {"serverless.yml": b"functions:\n  f:\n    handler: caf\xe9.run\n"})
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == [
        "serverless.yml:3: infrastructure file is not valid UTF-8; not read",
        "template.yaml:1: cannot read infrastructure file: broken symbolic link",
    ]


def test_wrong_types_are_warnings(tmp_path):
    make_tree(
        tmp_path,
        {
            "a/template.yaml": """
                Resources:
                  - Type: AWS::Serverless::Function
            """,
            "b/template.yaml": """
                Globals:
                  Function: [python3.12]
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: !Sub "${Name}.handler"
                  Other:
                    Type: AWS::Serverless::Function
                    Properties: just text
                  Third: 42
            """,
            "c/serverless.yml": """
                functions:
                  - one:
                      handler: one.run
                  - ${file(./more-functions.yml)}
                  - two: not-a-mapping
            """,
            "c/one.py": PY,
        },
    )
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == [("c/one.py", "run", "serverless", "c/serverless.yml", 3, "one.run", "c")]
    assert warnings_of(tmp_path, result) == [
        "a/template.yaml:1: Resources should be a mapping, found a list; ignored",
        "b/template.yaml:2: Globals.Function should be a mapping, found a list; ignored",
        "b/template.yaml:7: Handler of Fn is not a literal string; not analysed",
        "b/template.yaml:10: Properties of Other should be a mapping, found a string; ignored",
        "b/template.yaml:11: resource Third should be a mapping, found int; ignored",
        "c/serverless.yml:1: functions from '${file(./more-functions.yml)}' cannot be resolved here; not followed",
        "c/serverless.yml:5: function two should be a mapping, found a string; ignored",
    ]


def test_malformed_handler_string_is_a_warning(tmp_path):
    make_tree(
        tmp_path,
        {
            "serverless.yml": "functions:\n  f:\n    handler: nodots\n",
        },
    )
    result = discover(str(tmp_path))
    assert result.handlers == []
    assert warnings_of(tmp_path, result) == ["serverless.yml:3: handler 'nodots' is not of the form module.function; not analysed"]


# --- walking ----------------------------------------------------------------------------

ONE_FUNCTION = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Runtime: python3.12
      Handler: app.handler
"""


def test_tool_and_dependency_folders_and_excluded_paths_are_skipped(tmp_path):
    files = {"app.py": PY}
    for folder in ("node_modules/x", ".aws-sam/build", "cdk.out", ".serverless", ".terraform", ".git", "venv", ".venv", "env", "excluded"):
        files[f"{folder}/template.yaml"] = ONE_FUNCTION
        files[f"{folder}/app.py"] = PY
    files["env/pyvenv.cfg"] = "home = /usr/bin\n"
    make_tree(tmp_path, files)
    result = discover(str(tmp_path), is_excluded=lambda p: os.path.basename(p) == "excluded")
    assert found(tmp_path, result) == []
    make_tree(tmp_path, {"template.yaml": ONE_FUNCTION})
    result = discover(str(tmp_path), is_excluded=lambda p: os.path.basename(p) == "excluded")
    assert found(tmp_path, result) == [("app.py", "handler", "sam", "template.yaml", 7, "app.handler", ".")]
    # The code root is the whole tree, but skipped folders stay uncovered.
    assert covered(tmp_path, result) == {"app.py"}


def test_files_without_markers_are_never_parsed(tmp_path):
    make_tree(
        tmp_path,
        {
            "config.yaml": "key: [unclosed\n",
            "data.json": "{not json",
            "broken.py": "def (:\n",
            "notes.tf": "this is { not hcl",
            "Dockerfile": "FROM python:3.12\nCMD [broken\n",
        },
    )
    result = discover(str(tmp_path))
    assert result == Discovery(handlers=[], covered_files=set(), warnings=[])


def test_declared_handler_fields():
    handler = DeclaredHandler("/r/a.py", "f", "sam", "/r/t.yaml", 3, "a.f", "/r")
    assert (handler.module_file, handler.function, handler.source, handler.declared_in, handler.declared_line, handler.spec, handler.code_root) == (
        "/r/a.py", "f", "sam", "/r/t.yaml", 3, "a.f", "/r"
    )


# --- acceptance trees -------------------------------------------------------------------

ACCEPTANCE_EXPECTED = {
    "sam": ("src/orders.py", "process", "sam", "template.yaml", 45),
    "serverless": ("src/ingest.py", "run", "serverless", "serverless.yml", 27),
    "cdk": ("lambda/worker.py", "main", "cdk", "stacks/worker_stack.py", 16),
    "terraform": ("src/jobs.py", "execute", "terraform", "main.tf", 53),
    "sam_missing_handler": ("src/billing.py", "charge", "sam", "template.yaml", 16),
}


@pytest.mark.parametrize("name", sorted(ACCEPTANCE_EXPECTED))
def test_acceptance_discovery_trees(name):
    root = ACCEPTANCE / name
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    result = discover(str(root))
    assert [(rel(root, h.module_file), h.function, h.source, rel(root, h.declared_in), h.declared_line) for h in result.handlers] == [
        ACCEPTANCE_EXPECTED[name]
    ]
    assert result.warnings == []
    assert rel(root, result.handlers[0].module_file) in covered(root, result)


def test_acceptance_missing_handler_names_a_function_the_file_lacks():
    root = ACCEPTANCE / "sam_missing_handler"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    handler = discover(str(root)).handlers[0]
    assert handler.module_file == str(root / "src" / "billing.py")
    assert f"def {handler.function}(" not in Path(handler.module_file).read_text()


# --- precision on real repositories --------------------------------------------------


def test_handlers_of_other_languages_and_scripts_are_not_ours(tmp_path):
    make_tree(tmp_path, {
        "api/serverless.yml": """
            service: api
            provider:
              name: aws
            functions:
              one:
                handler: handlers/alb.handler
        """,
        "api/handlers/alb.js": "exports.handler = async () => ({});\n",
        "stream/template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: app/
                  Handler: run.sh
                  Runtime: python3.12
        """,
        "stream/app/run.sh": "#!/bin/sh\nexec python -m app\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == []


def test_non_aws_providers_and_plugin_handlers_are_skipped(tmp_path):
    make_tree(tmp_path, {
        "kn/serverless.yml": """
            service: kn
            provider:
              name: knative
            functions:
              hello:
                handler: hello-world.dockerfile
        """,
        "flask/serverless.yml": """
            service: flask
            provider:
              name: aws
              runtime: python3.12
            plugins:
              - serverless-wsgi
            functions:
              app:
                handler: wsgi_handler.handler
        """,
        "flask/app.py": "from flask import Flask\napp = Flask(__name__)\n",
    })
    assert found(tmp_path, discover(str(tmp_path))) == []


def test_docker_build_context_above_the_dockerfile(tmp_path):
    make_tree(tmp_path, {
        "src/workflow/Dockerfile": """
            FROM public.ecr.aws/lambda/python:3.13
            COPY workflow/app.py ${LAMBDA_TASK_ROOT}/
            CMD ["app.lambda_handler"]
        """,
        "src/workflow/app.py": "def lambda_handler(event, context):\n    return event\n",
    })
    assert found(tmp_path, discover(str(tmp_path))) == [
        ("src/workflow/app.py", "lambda_handler", "docker", "src/workflow/Dockerfile", 3, "app.lambda_handler", "src/workflow"),
    ]


def test_docker_handler_from_a_src_layout_package_the_image_installs(tmp_path):
    """``COPY runtime/src/ ./src/`` then ``pip install``: the module is the package's source."""
    make_tree(tmp_path, {
        "lib/loader/Dockerfile": """
            FROM public.ecr.aws/lambda/python:3.12
            WORKDIR /tmp
            COPY loader/runtime/pyproject.toml ./
            COPY loader/runtime/src/ ./src/
            RUN pip install --target /asset .
            CMD ["stac_loader.handler.handler"]
        """,
        "lib/loader/runtime/src/stac_loader/__init__.py": "",
        "lib/loader/runtime/src/stac_loader/handler.py": "def handler(event, context):\n    return event\n",
    })
    assert found(tmp_path, discover(str(tmp_path))) == [
        ("lib/loader/runtime/src/stac_loader/handler.py", "handler", "docker", "lib/loader/Dockerfile", 6,
         "stac_loader.handler.handler", "lib/loader/runtime/src"),
    ]


def test_docker_handler_missing_but_the_image_installs_packages_is_a_warning(tmp_path):
    make_tree(tmp_path, {
        "svc/Dockerfile": """
            FROM public.ecr.aws/lambda/python:3.12
            COPY requirements.txt .
            RUN pip install -r requirements.txt
            CMD ["vendor_runtime.entry.handler"]
        """,
        "svc/requirements.txt": "vendor-runtime\n",
    })
    result = discover(str(tmp_path))
    assert found(tmp_path, result) == []
    assert any("may come from a package the image installs" in w for w in warnings_of(tmp_path, result))


def test_cdk_asset_relative_to_the_app_folder_above_the_stack(tmp_path):
    make_tree(tmp_path, {
        "proj/stacks/stack.py": """
            from aws_cdk import aws_lambda as lambda_

            def build(scope):
                return lambda_.Function(scope, "Fn",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler="lambda_function.lambda_handler",
                    code=lambda_.Code.from_asset("src"))
        """,
        "proj/src/lambda_function.py": "def lambda_handler(event, context):\n    return event\n",
    })
    assert found(tmp_path, discover(str(tmp_path))) == [
        ("proj/src/lambda_function.py", "lambda_handler", "cdk", "proj/stacks/stack.py", 6,
         "lambda_function.lambda_handler", "proj/src"),
    ]
