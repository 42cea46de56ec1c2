#!/usr/bin/env python3
"""Build the two benchmark corpora of ``scripts/bench.py``, reproducibly.

``lambda_dense/``: several hundred handler modules grouped in services, made
from the project's fixtures and the acceptance cases (``../shared/acceptance``
when present) under varied names, padded to varied sizes with helper code.
Every handler also calls its service's helper module (on the warm path, with
cross-module findings), and a quarter of the services share one platform
library, as monorepos do.

Each service also declares its handlers in infrastructure, one kind per
service in turn (SAM YAML, CloudFormation JSON, serverless.yml, a Python CDK
app, a TypeScript CDK app, Terraform, a Chalice app, a Dockerfile, an ASGI
adapter), padded with the other resources real templates hold, so that
discovery costs what it costs on real projects.

``monorepo/``: several hundred small projects (``--projects``), each a folder
with its own ``pyproject.toml`` (no ``[tool.lambda-lint]`` table), a package
with plain library code, tests, and in most of them a handler (some declared
in a SAM template); what pre-commit sees, from the monorepo root, when one
file of one project changes.

``large/``: the Python sources of installed packages (botocore, boto3,
libcst, ...), copied until the tree has at least ``--large-lines`` lines.
Nothing in it is Lambda code.

Same seed, same inputs: same corpus.

    python scripts/make_bench_corpus.py OUT [--seed 7] [--services 60] [--projects 400] [--large-lines 220000]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ACCEPTANCE = os.path.join(os.path.dirname(REPO), "shared", "acceptance")
FLAT_GROUPS = ("state", "connections", "background", "caches", "tmp", "clean", "optin")
LARGE_PACKAGES = ("botocore", "boto3", "s3transfer", "libcst", "hypothesis", "_pytest", "pygments", "setuptools", "pip")

NOUNS = ("order", "invoice", "payment", "user", "profile", "report", "upload", "image", "event", "ticket",
         "shipment", "cart", "coupon", "audit", "metric", "session", "token", "webhook", "email", "export")
VERBS = ("create", "update", "delete", "get", "list", "sync", "process", "ingest", "notify", "resize",
         "validate", "archive", "render", "schedule", "refund")
HANDLER_DEF = re.compile(r"^(async\s+)?def\s+(lambda_handler|handler)\s*\((?P<params>[^)]*)\)[^:]*:\s*$", re.M)


def flat_cases() -> list:
    """(name, text) of the single-file acceptance cases and fixture handlers."""
    cases = []
    for group in FLAT_GROUPS:
        folder = os.path.join(ACCEPTANCE, group)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    cases.append((name[:-3], _read(os.path.join(folder, name))))
    for rule_case in _rule_examples():
        cases.append(rule_case)
    return [(n, t) for n, t in cases if HANDLER_DEF.search(t)]


def _rule_examples() -> list:
    """The rules' own invalid examples (always there, even without the acceptance folder)."""
    sys.path.insert(0, REPO)
    try:
        from lambda_lint.rules import ALL_RULES
    except Exception:  # noqa: BLE001 - the corpus can do without them
        return []
    out = []
    for rule in ALL_RULES:
        for i, src in enumerate(rule.invalid + rule.valid):
            out.append((f"{rule.name.replace('-', '_')}_{i}", src.replace("# expect", "#")))
    return out


def project_cases() -> list:
    """Folders of the multi-module acceptance cases and the example project."""
    folders = []
    cross = os.path.join(ACCEPTANCE, "crossmodule")
    if os.path.isdir(cross):
        folders += [os.path.join(cross, d) for d in sorted(os.listdir(cross)) if os.path.isdir(os.path.join(cross, d))]
    example = os.path.join(REPO, "fixtures", "example_project")
    if os.path.isdir(example):
        folders.append(example)
    return folders


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


# -- generated helper code ------------------------------------------------------
def filler(rng: random.Random, functions: int, prefix: str) -> str:
    """Plain helper code: parsed like any module, never on a warm path."""
    out = []
    for i in range(functions):
        name = f"_{prefix}_{rng.choice(NOUNS)}_{i}"
        kind = rng.randrange(5)
        if kind == 0:
            out.append(
                f"def {name}(items, limit={rng.randint(5, 500)}):\n"
                f"    \"\"\"Summarise up to ``limit`` items.\"\"\"\n"
                f"    total = 0\n    seen = set()\n"
                f"    for index, item in enumerate(items):\n"
                f"        if index >= limit:\n            break\n"
                f"        key = item.get(\"{rng.choice(NOUNS)}_id\")\n"
                f"        if key in seen:\n            continue\n"
                f"        seen.add(key)\n        total += item.get(\"amount\", 0) * {rng.randint(1, 9)}\n"
                f"    return {{\"count\": len(seen), \"total\": round(total, 2)}}\n"
            )
        elif kind == 1:
            fields = rng.sample(NOUNS, 4)
            body = ",\n".join(f"        \"{f}\": record.get(\"{f}\", {rng.randint(0, 99)})" for f in fields)
            out.append(f"def {name}(record):\n    return {{\n{body},\n    }}\n")
        elif kind == 2:
            out.append(
                f"class {name.title().replace('_', '')}:\n"
                f"    def __init__(self, client, table=\"{rng.choice(NOUNS)}s\"):\n"
                f"        self.client = client\n        self.table = table\n\n"
                f"    def key(self, value):\n        return {{\"pk\": f\"{{self.table}}#{{value}}\"}}\n\n"
                f"    def describe(self, value, *, verbose=False):\n"
                f"        text = f\"{{self.table}}:{{value}}\"\n"
                f"        return text.upper() if verbose else text\n"
            )
        elif kind == 3:
            out.append(
                f"def {name}(text: str) -> str:\n"
                f"    words = [w.strip(\".,;\") for w in text.split() if len(w) > {rng.randint(1, 4)}]\n"
                f"    pairs = {{w: words.count(w) for w in words}}\n"
                f"    return \", \".join(f\"{{k}}={{v}}\" for k, v in sorted(pairs.items()))\n"
            )
        else:
            out.append(
                f"async def {name}(session, urls):\n"
                f"    results = []\n"
                f"    for url in urls:\n"
                f"        try:\n            response = await session.get(url, timeout={rng.randint(1, 30)})\n"
                f"        except TimeoutError:\n            continue\n"
                f"        results.append((url, response.status))\n"
                f"    return results\n"
            )
    return "\n\n".join(out)


def service_helper(rng: random.Random, platform: bool) -> str:
    head = ["\"\"\"Service helpers shared by the service's handlers.\"\"\"", "import json", "import logging"]
    if platform:
        head.append("from platform_lib.telemetry import record as _record")
    head += ["", "logger = logging.getLogger(__name__)", "_seen_ids = []", "_lookup = {}", ""]
    body = [
        "def audit(event):",
        "    request_id = event.get(\"requestContext\", {}).get(\"requestId\")",
        "    _seen_ids.append(request_id)",
        "    logger.info(\"request %s\", json.dumps(event, default=str)[:200])",
    ]
    if platform:
        body.append("    _record(\"invocation\", request_id)")
    body += [
        "    return describe(event)",
        "",
        "",
        "def describe(event):",
        "    kind = event.get(\"kind\", \"unknown\")",
        "    if kind not in _lookup:",
        "        _lookup[kind] = kind.upper()",
        "    return _lookup[kind]",
        "",
        "",
    ]
    return "\n".join(head + body) + filler(rng, rng.randint(5, 40), "svc") + "\n"


PLATFORM_TELEMETRY = '''"""Telemetry shared by several services."""
import time

_buffer = []


def record(name, value):
    _buffer.append((time.time(), name, value))
    if len(_buffer) > 100:
        flush()


def flush():
    del _buffer[:]
'''


def with_audit_call(text: str) -> str:
    """Make the handler call its service's ``audit`` helper first."""
    match = HANDLER_DEF.search(text)
    if match is None:
        return text
    params = [p.strip().split(":")[0].split("=")[0].strip() for p in match.group("params").split(",") if p.strip()]
    event = params[0] if params else "event"
    rest = text[match.end():]
    indent = re.match(r"\n([ \t]+)", rest)
    if indent is None:
        return text
    start = match.start()
    # The decorators above the def stay attached to it.
    while True:
        before = text.rfind("\n", 0, start - 1) + 1 if start > 0 else 0
        if start > 0 and text[before:start].lstrip().startswith("@"):
            start = before
        else:
            break
    call = f"\n{indent.group(1)}_svc_audit({event})"
    return text[:start] + "from svc_common import audit as _svc_audit\n\n\n" + text[start:match.end()] + call + rest


def lambda_dense(out: str, rng: random.Random, services: int) -> dict:
    cases = flat_cases()
    projects = project_cases()
    if not cases:
        raise SystemExit("no handler sources found (acceptance cases or rule examples)")
    stats = {"handlers": 0, "files": 0}
    _write(os.path.join(out, "platform_lib", "__init__.py"), "")
    _write(os.path.join(out, "platform_lib", "telemetry.py"), PLATFORM_TELEMETRY)
    for s in range(services):
        service = os.path.join(out, "services", f"{rng.choice(NOUNS)}_svc_{s:03d}")
        platform = rng.random() < 0.25
        _write(os.path.join(service, "svc_common.py"), service_helper(rng, platform))
        declared = []  # (module, function)
        for h in range(rng.randint(3, 9)):
            name, text = rng.choice(cases)
            module = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{h}_{name[:12].strip('_')}"
            padding = filler(rng, rng.choice((0, 2, 5, 10, 20, 40)), f"h{h}")
            _write(os.path.join(service, f"{module}.py"), with_audit_call(text) + ("\n\n" + padding + "\n" if padding else ""))
            match = HANDLER_DEF.search(text)
            declared.append((module, match.group(2) if match else "handler"))
            stats["handlers"] += 1
        kind = INFRA_KINDS[s % len(INFRA_KINDS)]
        write_infrastructure(kind, service, declared, rng)
        stats.setdefault("infrastructure", {}).setdefault(kind, 0)
        stats["infrastructure"][kind] += 1
        if projects and rng.random() < 0.3:
            source = rng.choice(projects)
            shutil.copytree(source, os.path.join(service, "app_" + os.path.basename(source)),
                            ignore=shutil.ignore_patterns("__pycache__", "*.toml"))
    for folder, _, names in os.walk(out):
        stats["files"] += sum(1 for n in names if n.endswith(".py"))
    return stats


# -- infrastructure --------------------------------------------------------------
INFRA_KINDS = ("sam", "cloudformation", "serverless", "cdk", "cdk_typescript", "terraform", "chalice", "docker", "asgi")


def _camel(text: str) -> str:
    return "".join(part.title() for part in re.split(r"[^A-Za-z0-9]", text) if part)


def _sam(declared, rng) -> str:
    out = ["AWSTemplateFormatVersion: \"2010-09-09\"", "Transform: AWS::Serverless-2016-10-31",
           "Description: generated service", "", "Globals:", "  Function:", "    Runtime: python3.12",
           "    Timeout: 10", "    MemorySize: 256", "    Environment:", "      Variables:",
           "        TABLE_NAME: !Ref Table", "", "Resources:", "  Table:", "    Type: AWS::DynamoDB::Table",
           "    Properties:", "      BillingMode: PAY_PER_REQUEST", "      AttributeDefinitions:",
           "        - AttributeName: id", "          AttributeType: S", "      KeySchema:",
           "        - AttributeName: id", "          KeyType: HASH"]
    for module, function in declared:
        name = _camel(module)
        out += [f"  {name}Queue:", "    Type: AWS::SQS::Queue", "    Properties:",
                f"      QueueName: !Sub \"{module}-${{AWS::StackName}}\"", "      VisibilityTimeout: 60",
                f"  {name}Function:", "    Type: AWS::Serverless::Function", "    Properties:",
                "      CodeUri: ./", f"      Handler: {module}.{function}", "      Policies:",
                "        - DynamoDBCrudPolicy:", "            TableName: !Ref Table", "      Events:",
                "        Queue:", "          Type: SQS", "          Properties:",
                f"            Queue: !GetAtt {name}Queue.Arn", f"            BatchSize: {rng.randint(1, 10)}"]
    out += ["Outputs:", "  TableName:", "    Value: !Ref Table"]
    return "\n".join(out) + "\n"


def _cloudformation(declared, rng) -> str:
    import json

    resources = {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}}}}
    for module, function in declared:
        resources[_camel(module) + "Function"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": f"{module}.{function}", "Code": "./",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Timeout": rng.randint(3, 60)}}
        resources[_camel(module) + "Alarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1, "Period": 60, "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Statistic": "Sum"}}
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=2) + "\n"


def _serverless(declared, rng) -> str:
    out = [f"service: svc-{rng.randrange(10 ** 6)}", "frameworkVersion: \"3\"", "provider:", "  name: aws",
           "  runtime: python3.12", "  stage: ${opt:stage, 'dev'}", "  environment:", "    TABLE: ${self:service}-table",
           "functions:"]
    for module, function in declared:
        out += [f"  {module}:", f"    handler: {module}.{function}", "    events:",
                f"      - http:", f"          path: /{module}", "          method: post"]
    out += ["plugins:", "  - serverless-python-requirements", "custom:", "  pythonRequirements:", "    dockerizePip: true"]
    return "\n".join(out) + "\n"


def _cdk_stack(declared, rng) -> str:
    out = ['"""Generated CDK stack."""', "import os", "", "from aws_cdk import Duration, Stack",
           "from aws_cdk import aws_lambda, aws_sqs, aws_dynamodb", "from constructs import Construct", "",
           "HERE = os.path.dirname(__file__)", "", "", "class ServiceStack(Stack):",
           "    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:",
           "        super().__init__(scope, construct_id, **kwargs)",
           "        table = aws_dynamodb.Table(self, \"Table\", partition_key=aws_dynamodb.Attribute(",
           "            name=\"id\", type=aws_dynamodb.AttributeType.STRING))"]
    for i, (module, function) in enumerate(declared):
        out += [f"        queue_{i} = aws_sqs.Queue(self, \"Queue{i}\", visibility_timeout=Duration.seconds({rng.randint(30, 300)}))",
                f"        fn_{i} = aws_lambda.Function(", "            self,", f"            \"Fn{i}\",",
                "            runtime=aws_lambda.Runtime.PYTHON_3_12,", f"            handler=\"{module}.{function}\",",
                "            code=aws_lambda.Code.from_asset(os.path.join(HERE, \"..\")),",
                f"            timeout=Duration.seconds({rng.randint(3, 60)}),",
                f"            environment={{\"QUEUE_URL\": queue_{i}.queue_url, \"TABLE\": table.table_name}},",
                "        )", f"        table.grant_read_write_data(fn_{i})", f"        queue_{i}.grant_consume_messages(fn_{i})"]
    return "\n".join(out) + "\n" + "\n\n" + filler(rng, 10, "stack") + "\n"


def _cdk_typescript(declared, rng) -> str:
    out = ["import * as cdk from 'aws-cdk-lib';", "import * as lambda from 'aws-cdk-lib/aws-lambda';",
           "import * as path from 'path';", "import { Construct } from 'constructs';", "",
           "export class ServiceStack extends cdk.Stack {",
           "  constructor(scope: Construct, id: string, props?: cdk.StackProps) {", "    super(scope, id, props);"]
    for i, (module, function) in enumerate(declared):
        out += [f"    new lambda.Function(this, 'Fn{i}', {{", "      runtime: lambda.Runtime.PYTHON_3_12,",
                f"      handler: '{module}.{function}',", "      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..')),",
                f"      timeout: cdk.Duration.seconds({rng.randint(3, 60)}),", "    });"]
    return "\n".join(out + ["  }", "}"]) + "\n"


def _terraform(declared, rng) -> str:
    out = ['terraform {', '  required_providers {', '    aws = {', '      source  = "hashicorp/aws"',
           '      version = "~> 5.0"', '    }', '  }', '}', '', 'data "archive_file" "code" {', '  type        = "zip"',
           '  source_dir  = "${path.module}/.."', '  output_path = "${path.module}/build/code.zip"', '}', '',
           'resource "aws_iam_role" "fn" {', '  name = "fn-role"', '  assume_role_policy = jsonencode({',
           '    Version = "2012-10-17"', '    Statement = [{', '      Effect    = "Allow"',
           '      Principal = { Service = "lambda.amazonaws.com" }', '      Action    = "sts:AssumeRole"', '    }]',
           '  })', '}']
    for i, (module, function) in enumerate(declared):
        out += ['', f'resource "aws_lambda_function" "fn_{i}" {{', f'  function_name    = "{module}"',
                '  filename         = data.archive_file.code.output_path',
                '  source_code_hash = data.archive_file.code.output_base64sha256',
                f'  handler          = "{module}.{function}"', '  runtime          = "python3.12"',
                '  role             = aws_iam_role.fn.arn', f'  timeout          = {rng.randint(3, 60)}',
                '  environment {', '    variables = {', f'      STAGE = "dev"', '    }', '  }', '}',
                '', f'resource "aws_cloudwatch_log_group" "fn_{i}" {{', f'  name              = "/aws/lambda/{module}"',
                '  retention_in_days = 14', '}']
    return "\n".join(out) + "\n"


def _chalice(declared, rng) -> str:
    out = ["from chalice import Chalice", "", "app = Chalice(app_name=\"generated\")", ""]
    for module, function in declared:
        out += ["", f"@app.route(\"/{module}\", methods=[\"POST\"])", f"def route_{module}():",
                f"    from {module} import {function} as call", "    return call(app.current_request.json_body, None)", ""]
    return "\n".join(out) + "\n\n" + filler(rng, 5, "chalice") + "\n"


def _asgi(declared, rng) -> str:
    out = ["from fastapi import FastAPI", "from mangum import Mangum", "", "app = FastAPI()", ""]
    for module, function in declared:
        out += ["", f"@app.post(\"/{module}\")", f"async def route_{module}(body: dict):",
                f"    from {module} import {function} as call", "    return call(body, None)", ""]
    out += ["", "handler = Mangum(app)"]
    return "\n".join(out) + "\n\n" + filler(rng, 5, "asgi") + "\n"


def write_infrastructure(kind: str, service: str, declared: list, rng: random.Random) -> None:
    if kind == "sam":
        _write(os.path.join(service, "template.yaml"), _sam(declared, rng))
    elif kind == "cloudformation":
        _write(os.path.join(service, "template.json"), _cloudformation(declared, rng))
    elif kind == "serverless":
        _write(os.path.join(service, "serverless.yml"), _serverless(declared, rng))
    elif kind == "cdk":
        _write(os.path.join(service, "infra", "cdk.json"), "{\"app\": \"python3 app.py\"}\n")
        _write(os.path.join(service, "infra", "app.py"), "import aws_cdk as cdk\n\nfrom stack import ServiceStack\n\n"
               "app = cdk.App()\nServiceStack(app, \"Service\")\napp.synth()\n")
        _write(os.path.join(service, "infra", "stack.py"), _cdk_stack(declared, rng))
    elif kind == "cdk_typescript":
        _write(os.path.join(service, "infra", "cdk.json"), "{\"app\": \"npx ts-node bin/app.ts\"}\n")
        _write(os.path.join(service, "infra", "lib", "stack.ts"), _cdk_typescript(declared, rng))
    elif kind == "terraform":
        _write(os.path.join(service, "infra", "main.tf"), _terraform(declared, rng))
    elif kind == "chalice":
        _write(os.path.join(service, "app.py"), _chalice(declared, rng))
    elif kind == "docker":
        module, function = declared[0]
        _write(os.path.join(service, "Dockerfile"), "FROM public.ecr.aws/lambda/python:3.12\n"
               "COPY requirements.txt ${LAMBDA_TASK_ROOT}\nRUN pip install -r requirements.txt\n"
               f"COPY . ${{LAMBDA_TASK_ROOT}}\nCMD [ \"{module}.{function}\" ]\n")
    elif kind == "asgi":
        _write(os.path.join(service, "asgi_app.py"), _asgi(declared, rng))


# -- the monorepo -------------------------------------------------------------------
def monorepo(out: str, rng: random.Random, projects: int) -> dict:
    """``projects`` small projects side by side, each its own lambda-lint project root."""
    cases = flat_cases()
    stats = {"projects": projects, "files": 0}
    _write(os.path.join(out, "pyproject.toml"), "[project]\nname = \"monorepo-tools\"\nversion = \"0\"\n")
    for p in range(projects):
        project = os.path.join(out, "projects", f"{rng.choice(NOUNS)}_{rng.choice(VERBS)}_{p:04d}")
        package = os.path.join(project, "src", "app")
        # No [tool.lambda-lint] table: checked from the monorepo root, the root is the project.
        _write(os.path.join(project, "pyproject.toml"), f"[project]\nname = \"p{p}\"\nversion = \"0\"\n")
        _write(os.path.join(package, "__init__.py"), "")
        _write(os.path.join(package, "util.py"), filler(rng, rng.randint(3, 15), "u") + "\n")
        _write(os.path.join(package, "models.py"), filler(rng, rng.randint(3, 15), "m") + "\n")
        _write(os.path.join(project, "tests", "test_util.py"),
               "from app import util\n\n\ndef test_module():\n    assert util is not None\n")
        if rng.random() < 0.6:  # a Lambda project
            name, text = rng.choice(cases)
            _write(os.path.join(package, "handler.py"), text)
            if rng.random() < 0.3:
                match = HANDLER_DEF.search(text)
                write_infrastructure("sam", project, [("src/app/handler", match.group(2) if match else "handler")], rng)
    for folder, _, names in os.walk(out):
        stats["files"] += sum(1 for n in names if n.endswith(".py"))
    return stats


def site_packages() -> list:
    found = []
    for scheme_base in (sys.prefix, sys.base_prefix):
        path = sysconfig.get_paths(vars={"base": scheme_base, "platbase": scheme_base})["purelib"]
        if os.path.isdir(path) and path not in found:
            found.append(path)
    return found


def large(out: str, min_lines: int) -> dict:
    copied, lines = [], 0
    for package in LARGE_PACKAGES:
        if lines >= min_lines:
            break
        source = next((os.path.join(sp, package) for sp in site_packages() if os.path.isdir(os.path.join(sp, package))), None)
        if source is None:
            continue
        for folder, dirs, names in os.walk(source):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py"):
                    src = os.path.join(folder, name)
                    dst = os.path.join(out, package, os.path.relpath(src, source))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(src, dst)
                    with open(src, "rb") as fh:
                        lines += fh.read().count(b"\n")
        copied.append(package)
    return {"packages": copied, "lines": lines}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--services", type=int, default=60)
    parser.add_argument("--projects", type=int, default=400)
    parser.add_argument("--large-lines", type=int, default=220_000)
    args = parser.parse_args(argv)
    for sub in ("lambda_dense", "large", "monorepo"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    rng = random.Random(args.seed)
    dense = lambda_dense(os.path.join(args.out, "lambda_dense"), rng, args.services)
    mono = monorepo(os.path.join(args.out, "monorepo"), random.Random(args.seed + 1), args.projects)
    big = large(os.path.join(args.out, "large"), args.large_lines)
    print(f"lambda_dense: {dense['handlers']} handler modules, {dense['files']} files, "
          f"infrastructure {dense.get('infrastructure')}")
    print(f"monorepo: {mono['projects']} projects, {mono['files']} files")
    print(f"large: {', '.join(big['packages'])}: {big['lines']} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
