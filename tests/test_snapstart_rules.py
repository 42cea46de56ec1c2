"""LAM601-LAM603 on real-looking SnapStart functions: codes, lines and messages, and the switch."""
from __future__ import annotations

import json
import os

from lambda_lint.cli import main
from lambda_lint.settings.config import Config

from .helpers import findings, run_check, write_tree

SNAP_CODES = {"LAM601", "LAM602", "LAM603"}

SAM_SNAPSTART = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    AutoPublishAlias: live
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: {handler}
      SnapStart:
        ApplyOn: PublishedVersions
"""

SAM_PLAIN = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: {handler}
      AutoPublishAlias: live
"""


def snap(tmp_path, files: dict, handler: str = "app.handler", template: str = SAM_SNAPSTART, codes=SNAP_CODES):
    tree = {"template.yaml": template.format(handler=handler)}
    tree.update({f"src/{name}": text for name, text in files.items()})
    return findings(tmp_path, tree, codes=codes)


def messages(tmp_path, files: dict, handler: str = "app.handler"):
    tree = {"template.yaml": SAM_SNAPSTART.format(handler=handler)}
    tree.update({f"src/{name}": text for name, text in files.items()})
    result = run_check(tmp_path, tree, codes=SNAP_CODES)
    assert not result.internal_errors, result.internal_errors
    return [(d.path.replace(os.sep, "/"), d.line, d.code, d.message) for d in result.diagnostics]


IDEMPOTENCY = """\
import secrets
import uuid

import stripe

ENV_ID = str(uuid.uuid4())
_KEY_PREFIX = secrets.token_hex(8)
_BOOT = uuid.uuid1()
print("init", _BOOT)


def handler(event, context):
    key = f"{_KEY_PREFIX}-{event['order_id']}"
    stripe.PaymentIntent.create(amount=100, currency="eur", idempotency_key=key)
    return {"environment": ENV_ID, "request": str(uuid.uuid4())}
"""


# -- the switch ----------------------------------------------------------------------------
def test_lam601_messages_on_a_snapstart_function(tmp_path):
    assert messages(tmp_path, {"app.py": IDEMPOTENCY}) == [
        ("src/app.py", 6, "LAM601", "`uuid.uuid4(...)` runs at init and its value is kept in `ENV_ID`, which the warm "
         "path reads: every environment resumed from the SnapStart snapshot shares it"),
        ("src/app.py", 7, "LAM601", "`secrets.token_hex(...)` runs at init and its value is kept in `_KEY_PREFIX`, "
         "which the warm path reads: every environment resumed from the SnapStart snapshot shares it"),
    ]


def test_the_same_code_without_snapstart_reports_nothing(tmp_path):
    assert snap(tmp_path, {"app.py": IDEMPOTENCY}, template=SAM_PLAIN) == set()


def test_convention_handlers_are_off_unless_the_configuration_turns_snapstart_on(tmp_path):
    write_tree(tmp_path, {"app.py": IDEMPOTENCY})
    assert findings(tmp_path, codes=SNAP_CODES) == set()
    on = Config(root=str(tmp_path), snapstart=True)
    assert findings(tmp_path, codes=SNAP_CODES, config=on) == {("app.py", 6, "LAM601"), ("app.py", 7, "LAM601")}
    one = Config(root=str(tmp_path), snapstart=["app.py:handler"])
    assert findings(tmp_path, codes=SNAP_CODES, config=one) == {("app.py", 6, "LAM601"), ("app.py", 7, "LAM601")}
    other = Config(root=str(tmp_path), snapstart=["jobs.handler"])
    assert findings(tmp_path, codes=SNAP_CODES, config=other) == set()


def test_snapstart_true_does_not_override_a_template_that_leaves_it_off(tmp_path):
    write_tree(tmp_path, {"template.yaml": SAM_PLAIN.format(handler="app.handler"), "src/app.py": IDEMPOTENCY})
    on = Config(root=str(tmp_path), snapstart=True)
    assert findings(tmp_path, codes=SNAP_CODES, config=on) == set()
    named = Config(root=str(tmp_path), snapstart=["src/app.py:handler"])
    assert findings(tmp_path, codes=SNAP_CODES, config=named) == {("src/app.py", 6, "LAM601"), ("src/app.py", 7, "LAM601")}


def test_handlers_command_shows_snapstart(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"template.yaml": SAM_SNAPSTART.format(handler="app.handler"), "src/app.py": IDEMPOTENCY})
    monkeypatch.chdir(tmp_path)
    assert main(["handlers"]) == 0
    assert capsys.readouterr().out == "src/app.py:12: handler (sam, SnapStart)\n"
    assert main(["handlers", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["snapstart"] is True


# -- LAM601 --------------------------------------------------------------------------------
def test_lam601_after_restore_hook_and_lazy_creation_are_fine(tmp_path):
    code = """\
import random
import uuid

from snapshot_restore_py import register_after_restore

ENV_ID = str(uuid.uuid4())
_sampler = random.Random()
_tokens = random.SystemRandom()
_trace_id = None


def _renew():
    global ENV_ID
    ENV_ID = str(uuid.uuid4())


def _reseed():
    _sampler.seed()


register_after_restore(_renew)
register_after_restore(_reseed)


def handler(event, context):
    global _trace_id
    if _trace_id is None:
        _trace_id = uuid.uuid4().hex
    return [ENV_ID, _sampler.random(), _tokens.random(), _trace_id]
"""
    assert snap(tmp_path, {"app.py": code}) == set()


def test_lam601_seed_at_init_and_a_hook_registered_too_late(tmp_path):
    code = """\
import random
import time

from snapshot_restore_py import register_after_restore

random.seed(time.time_ns())
_picker = random.Random()


def _reseed():
    random.seed()
    _picker.seed()


def handler(event, context):
    register_after_restore(_reseed)
    return {"code": random.randint(1000, 9999), "pick": _picker.choice(event["items"])}
"""
    assert snap(tmp_path, {"app.py": code}) == {
        ("src/app.py", 6, "LAM601"), ("src/app.py", 7, "LAM601"), ("src/app.py", 16, "LAM603"),
    }


def test_lam601_seed_is_fine_when_the_warm_path_reseeds_or_never_draws(tmp_path):
    reseeds = """\
import random
import time

random.seed(time.time())


def handler(event, context):
    random.seed()
    return random.choice(event["items"])
"""
    never_draws = """\
import random

random.seed(7)
SHUFFLED = random.sample(range(10), 10)


def handler(event, context):
    return {"ok": True}
"""
    assert snap(tmp_path / "a", {"app.py": reseeds}) == set()
    assert snap(tmp_path / "b", {"app.py": never_draws}) == set()


def test_lam601_across_modules_through_a_function_and_in_a_class(tmp_path):
    settings = """\
import os
import uuid

INSTANCE = uuid.uuid4().hex


def _nonce():
    return os.urandom(16)


NONCE = _nonce()
"""
    app = """\
import secrets

import settings
from settings import NONCE


class Signer:
    salt = secrets.token_bytes(16)

    def sign(self, body):
        return hash((self.salt, NONCE, body))


def handler(event, context):
    return {"instance": settings.INSTANCE, "signature": Signer().sign(event["body"])}
"""
    assert snap(tmp_path, {"app.py": app, "settings.py": settings}) == {
        ("src/settings.py", 4, "LAM601"), ("src/settings.py", 8, "LAM601"), ("src/app.py", 8, "LAM601"),
    }


# -- LAM602 --------------------------------------------------------------------------------
def test_lam602_connections_sessions_and_temporary_credentials(tmp_path):
    code = """\
import os

import boto3
import psycopg2
import pymongo
import redis
import requests

sts = boto3.client("sts")
ACCOUNT = sts.get_caller_identity()["Account"]
conn = psycopg2.connect(os.environ["DATABASE_URL"])
mongo = pymongo.MongoClient(os.environ["MONGO_URL"])
lazy_mongo = pymongo.MongoClient(os.environ["MONGO_URL"], connect=False)
cache = redis.Redis(host="cache.internal")
FLAGS = cache.hgetall("flags")
_http = requests.Session()
_quiet = requests.Session()
_role = sts.assume_role(RoleArn=os.environ["ROLE"], RoleSessionName="x")["Credentials"]
partner = boto3.session.Session(aws_access_key_id=_role["AccessKeyId"], aws_secret_access_key=_role["SecretAccessKey"], aws_session_token=_role["SessionToken"])
partner_s3 = partner.client("s3")
SETTINGS = _http.get(os.environ["SETTINGS_URL"], timeout=5).json()


def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    mongo.db.orders.insert_one(event)
    lazy_mongo.db.audit.insert_one(event)
    cache.incr("calls")
    _http.post(SETTINGS["url"], json=event, timeout=5)
    _quiet.get(SETTINGS["url"], timeout=5)
    partner_s3.put_object(Bucket=SETTINGS["bucket"], Key="k", Body=b"")
    return {"account": ACCOUNT, "flags": FLAGS}
"""
    assert snap(tmp_path, {"app.py": code}) == {
        ("src/app.py", 11, "LAM602"),  # psycopg2.connect
        ("src/app.py", 12, "LAM602"),  # MongoClient connects in the background
        ("src/app.py", 15, "LAM602"),  # the first redis command at init
        ("src/app.py", 19, "LAM602"),  # session with aws_session_token
        ("src/app.py", 21, "LAM602"),  # the first request through the session at init
    }


def test_lam602_message_and_what_renews_a_connection(tmp_path):
    code = """\
import pymysql
import psycopg2
import requests
from snapshot_restore_py import register_after_restore, register_before_snapshot


def _connect():
    return psycopg2.connect(host="db.internal", dbname="reports")


conn = _connect()
mysql = pymysql.connect(host="mysql.internal")
stale = psycopg2.connect(host="db.internal", dbname="audit")
_http = requests.Session()
_http.get("https://warm.example.com", timeout=5)


@register_after_restore
def _renew():
    global conn
    conn = _connect()


@register_before_snapshot
def _drop_pool():
    _http.close()


def handler(event, context):
    mysql.ping(reconnect=True)
    _http.post("https://hooks.example.com", json={}, timeout=5)
    for db in (conn, mysql, stale):
        db.cursor().execute("SELECT 1")
"""
    assert messages(tmp_path, {"app.py": code}) == [
        ("src/app.py", 13, "LAM602", "`psycopg2.connect(...)` opens a connection at init that is kept in `stale` and "
         "used on the warm path: with SnapStart it is restored from the snapshot, possibly long after the server "
         "dropped it"),
    ]


def test_lam602_connection_held_by_an_object_built_at_init(tmp_path):
    code = """\
import pymysql


class Repository:
    def __init__(self):
        self.db = pymysql.connect(host="db.internal")

    def find(self, key):
        with self.db.cursor() as cur:
            cur.execute("SELECT v FROM t WHERE k = %s", (key,))
            return cur.fetchone()


repo = Repository()
unused = Repository()


def handler(event, context):
    return repo.find(event["key"])
"""
    assert snap(tmp_path, {"app.py": code}) == {("src/app.py", 6, "LAM602")}


# -- LAM603 --------------------------------------------------------------------------------
def test_lam603_where_a_registration_takes_effect(tmp_path):
    app = """\
import logging

import hooks_direct
import pkg.deep
from snapshot_restore_py import register_after_restore, register_before_snapshot

try:
    from snapshot_restore_py import register_after_restore as on_restore
except ImportError:
    on_restore = None

logger = logging.getLogger()


def _install():
    register_after_restore(logger.info, "restored")


def _later():
    register_before_snapshot(logger.info, "snapshot")


_install()
if on_restore is not None:
    on_restore(logger.info, "again")


def handler(event, context):
    import hooks_late
    _later()
    return hooks_late.value()
"""
    direct = """\
from snapshot_restore_py import register_after_restore


@register_after_restore
def direct():
    pass
"""
    deep = """\
import pkg.deeper
"""
    deeper = """\
from snapshot_restore_py import register_before_snapshot


@register_before_snapshot
def deepest():
    pass
"""
    late = """\
from snapshot_restore_py import register_after_restore


def value():
    return 1


@register_after_restore
def late():
    pass
"""
    orphan = """\
import snapshot_restore_py


@snapshot_restore_py.register_before_snapshot
def warm_up():
    pass
"""
    files = {"app.py": app, "hooks_direct.py": direct, "pkg/__init__.py": "", "pkg/deep.py": deep,
             "pkg/deeper.py": deeper, "hooks_late.py": late, "orphan.py": orphan}
    assert snap(tmp_path, files) == {
        ("src/app.py", 20, "LAM603"),  # in a function only the handler calls
        ("src/hooks_late.py", 8, "LAM603"),  # the module is first imported inside the handler
        ("src/orphan.py", 4, "LAM603"),  # never imported
    }
    # The same tree deployed without SnapStart: hooks are not our concern there.
    assert snap(tmp_path / "off", files, template=SAM_PLAIN) == set()


def test_lam603_message(tmp_path):
    app = """\
from snapshot_restore_py import register_after_restore


def handler(event, context):
    register_after_restore(print, "restored")
    return {}
"""
    assert messages(tmp_path, {"app.py": app, "unused.py": "from snapshot_restore_py import register_before_snapshot\n\nregister_before_snapshot(print)\n"}) == [
        ("src/app.py", 5, "LAM603", "`register_after_restore(...)` runs inside `handler`, which init code never calls: "
         "the hook is registered after the snapshot was taken and never runs"),
        ("src/unused.py", 3, "LAM603", "`register_before_snapshot(...)` is at module scope of `src.unused`, which no "
         "SnapStart handler imports at init: the hook is never registered before the snapshot and never runs"),
    ]


def test_hooks_are_not_warm_path_for_the_other_rules(tmp_path):
    code = """\
import uuid

import psycopg2
from snapshot_restore_py import register_after_restore, register_before_snapshot

ENV_ID = str(uuid.uuid4())
_conn = psycopg2.connect(host="db.internal")


def _close():
    _conn.close()


def _renew():
    global ENV_ID, _conn
    ENV_ID = str(uuid.uuid4())
    _conn = psycopg2.connect(host="db.internal")


register_before_snapshot(_close)
register_after_restore(_renew)


def handler(event, context):
    _conn.cursor().execute("SELECT 1")
    return {"environment": ENV_ID}
"""
    assert snap(tmp_path, {"app.py": code}, codes=None) == set()


def test_lam603_leaves_test_code_alone(tmp_path):
    app = """\
from snapshot_restore_py import register_after_restore


def _renew():
    pass


register_after_restore(_renew)


def handler(event, context):
    return {}
"""
    test = """\
from snapshot_restore_py import register_after_restore


def test_hook_runs():
    register_after_restore(print, "x")
"""
    assert snap(tmp_path, {"app.py": app, "tests/test_hooks.py": test, "test_more.py": test}) == set()


UNIQUE = """\
import uuid

RUN_ID = uuid.uuid4().hex


def {function}(event, context):
    return {{"run": RUN_ID}}
"""

DEPLOYMENTS = {
    "cloudformation": {
        "stack.json": '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", '
                      '"Handler": "app.main", "Code": "code", "SnapStart": {"ApplyOn": "PublishedVersions"}}}}}\n',
        "code/app.py": UNIQUE.format(function="main"),
    },
    "serverless": {
        "serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  main:\n"
                          "    handler: code/app.main\n    snapStart: true\n",
        "code/app.py": UNIQUE.format(function="main"),
    },
    "cdk_python": {
        "cdk.json": '{"app": "python3 app.py"}\n',
        "app.py": "from aws_cdk import App, Stack, aws_lambda\n\n\nclass S(Stack):\n    def __init__(self, scope, name):\n"
                  "        super().__init__(scope, name)\n        aws_lambda.Function(self, 'F', runtime=aws_lambda.Runtime.PYTHON_3_12, "
                  "handler='worker.main', code=aws_lambda.Code.from_asset('code'), "
                  "snap_start=aws_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS)\n",
        "code/worker.py": UNIQUE.format(function="main"),
    },
    "cdk_typescript": {
        "cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
        "lib/stack.ts": "new lambda.Function(this, 'F', {\n  runtime: lambda.Runtime.PYTHON_3_13,\n  handler: 'app.main',\n"
                        "  code: lambda.Code.fromAsset('code'),\n  snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS,\n});\n",
        "code/app.py": UNIQUE.format(function="main"),
    },
    "terraform": {
        "main.tf": 'data "archive_file" "z" {\n  type = "zip"\n  source_dir = "${path.module}/code"\n  output_path = "build/z.zip"\n}\n\n'
                   'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  handler = "app.main"\n  runtime = "python3.12"\n'
                   '  filename = data.archive_file.z.output_path\n  publish = true\n\n  snap_start {\n    apply_on = "PublishedVersions"\n  }\n}\n',
        "code/app.py": UNIQUE.format(function="main"),
    },
}


def test_every_format_turns_the_family_on(tmp_path):
    for name, files in DEPLOYMENTS.items():
        root = tmp_path / name
        root.mkdir()
        module = next(path for path in files if path.startswith("code/"))
        assert findings(root, files, codes=SNAP_CODES) == {(module, 3, "LAM601")}, name


def test_lam602_http_clients_and_pools(tmp_path):
    code = """\
import httpx
import sqlalchemy
import urllib3

client = httpx.Client(base_url="https://api.example.com")
TOKEN = client.post("/token", json={}).json()["token"]
pool = urllib3.PoolManager()
pool.request("GET", "https://api.example.com/health")
engine = sqlalchemy.create_engine("postgresql://db.internal/app")
lazy_engine = sqlalchemy.create_engine("postgresql://db.internal/app", pool_pre_ping=True)
with engine.connect() as warm, lazy_engine.connect() as pinged:
    warm.execute(sqlalchemy.text("SELECT 1")), pinged.execute(sqlalchemy.text("SELECT 1"))


def handler(event, context):
    client.get("/items", headers={"Authorization": TOKEN})
    pool.request("GET", "https://api.example.com/items")
    with engine.connect() as conn, lazy_engine.connect() as other:
        return conn.execute(sqlalchemy.text("SELECT 1")).scalar() + other.execute(sqlalchemy.text("SELECT 2")).scalar()
"""
    assert snap(tmp_path, {"app.py": code}) == {
        ("src/app.py", 6, "LAM602"), ("src/app.py", 8, "LAM602"), ("src/app.py", 11, "LAM602"),
    }


def test_lam603_a_package_init_runs_before_the_handler_module(tmp_path):
    init = """\
from snapshot_restore_py import register_after_restore


@register_after_restore
def renew():
    pass
"""
    app = "def handler(event, context):\n    return {}\n"
    assert snap(tmp_path, {"api/__init__.py": init, "api/app.py": app}, handler="api.app.handler") == set()
