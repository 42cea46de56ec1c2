"""LAM204 loop-bound-object-reused, LAM502 request-data-at-shared-tmp-path, LAM103 on os.environ,
and LAM202's exemption for loop-bound clients built inside a per-invocation loop."""
import json
import os

import libcst as cst

from lambda_lint.fixes.edits import apply_edits
from lambda_lint.settings.config import Config

from .helpers import findings, run_check

LOOP = {"LAM202", "LAM203", "LAM204"}


# -- LAM204 --------------------------------------------------------------------------------
def test_module_client_used_under_asyncio_run(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import asyncio
        import httpx

        http = httpx.AsyncClient(timeout=5.0)
        _lock = asyncio.Lock()

        async def quote(sku):
            async with _lock:
                resp = await http.get(f"/quotes/{sku}")
            return resp.json()

        async def cheapest(skus):
            return await asyncio.gather(*(quote(s) for s in skus))

        def lambda_handler(event, context):
            return asyncio.run(cheapest(event["skus"]))
    '''}, LOOP)
    [diag] = result.diagnostics
    assert (diag.line, diag.code) == (17, "LAM204")
    assert diag.message == (
        "`asyncio.run(...)` runs `cheapest` on a new event loop every invocation, but the coroutine uses "
        "`http` (line 5), `_lock` (line 6): created once per environment and bound to the first invocation's "
        "loop, which is closed from the second warm invocation on"
    )


def test_new_event_loop_and_runner_per_invocation(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        from motor.motor_asyncio import AsyncIOMotorClient

        mongo = AsyncIOMotorClient("mongodb://db")
        users = mongo.app.users

        async def find(uid):
            return await users.find_one({"_id": uid})

        def by_loop(event, context):
            loop = asyncio.new_event_loop()
            try:
                return loop.run_until_complete(find(event["id"]))
            finally:
                loop.close()

        def lambda_handler(event, context):
            with asyncio.Runner() as runner:
                return runner.run(find(event["id"])), by_loop(event, context)
    '''}, LOOP) == {("app.py", 14, "LAM204"), ("app.py", 20, "LAM204")}


def test_one_loop_for_the_environment_is_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        import aiohttp

        _loop = asyncio.new_event_loop()
        _runner = asyncio.Runner()
        session = aiohttp.ClientSession()

        async def post(url):
            async with session.post(url) as resp:
                return resp.status

        def a(event, context):
            return asyncio.get_event_loop().run_until_complete(post(event["url"]))

        def b(event, context):
            return _loop.run_until_complete(post(event["url"]))

        def lambda_handler(event, context):
            return _runner.run(post(event["url"])), a(event, context), b(event, context)
    '''}, {"LAM204"}) == set()


def test_lazy_getters(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        import aiohttp
        import httpx

        _session = None
        _client = None
        _client_loop = None

        async def session():
            global _session
            if _session is None or _session.closed:
                _session = aiohttp.ClientSession()
            return _session

        def client():
            global _client, _client_loop
            loop = asyncio.get_running_loop()
            if _client is None or _client_loop is not loop:
                _client = httpx.AsyncClient()
                _client_loop = loop
            return _client

        async def stale(url):
            http = await session()
            async with http.get(url) as resp:
                return resp.status

        async def fresh(url):
            return (await client().get(url)).status_code

        def lambda_handler(event, context):
            asyncio.run(fresh(event["url"]))
            return asyncio.run(stale(event["url"]))
    '''}, {"LAM204"}) == {("app.py", 34, "LAM204")}


def test_aioboto3_client_made_at_import(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        import aioboto3

        session = aioboto3.Session()
        s3_client = session.client("s3")

        async def fetch(key):
            async with s3_client as s3:
                return await s3.get_object(Bucket="b", Key=key)

        async def fresh(key):
            async with session.client("s3") as s3:
                return await s3.get_object(Bucket="b", Key=key)

        def lambda_handler(event, context):
            asyncio.run(fresh(event["key"]))
            return asyncio.run(fetch(event["key"]))
    '''}, {"LAM204"}) == {("app.py", 18, "LAM204")}


def test_extend_loop_bound(tmp_path):
    config = Config(extend_loop_bound=["acme.aio.Client"])
    files = {"app.py": '''
        import asyncio
        from acme.aio import Client

        acme = Client()

        async def send(x):
            return await acme.send(x)

        def lambda_handler(event, context):
            return asyncio.run(send(event["x"]))
    '''}
    assert findings(tmp_path, files, {"LAM204"}) == set()
    assert findings(tmp_path, files, {"LAM204"}, config=config) == {("app.py", 11, "LAM204")}


def test_loop_bound_client_made_inside_a_per_invocation_loop_is_not_lam202(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import asyncio
        import aiohttp

        async def fresh(url):
            async with aiohttp.ClientSession() as s:
                async with s.get(url) as resp:
                    return resp.status

        async def shared(url):
            async with aiohttp.ClientSession() as s:
                async with s.get(url) as resp:
                    return resp.status

        def other(event, context):
            return asyncio.get_event_loop().run_until_complete(shared(event["url"]))

        def lambda_handler(event, context):
            return asyncio.run(fresh(event["url"])), other(event, context)
    '''}, LOOP) == {("app.py", 11, "LAM202")}


# -- LAM502 --------------------------------------------------------------------------------
def test_request_data_read_back_from_a_fixed_path(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import json
        import os

        DRAFT = os.path.join("/tmp", "draft.json")

        def _load():
            if os.path.exists(DRAFT):
                with open(DRAFT) as fh:
                    return json.load(fh)
            return {"lines": []}

        def lambda_handler(event, context):
            draft = _load()
            draft["lines"].append(json.loads(event["body"])["text"])
            with open(DRAFT, "w") as fh:
                json.dump(draft, fh)
    '''}, {"LAM501", "LAM502"})
    [diag] = result.diagnostics
    assert (diag.line, diag.code) == (16, "LAM502")
    assert diag.message.startswith("request data is written to the fixed path `/tmp/draft.json` and the warm path")


def test_append_through_a_writer_kept_in_a_local(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import csv
        from pathlib import Path

        LOG = Path("/tmp") / "audit.csv"

        def lambda_handler(event, context):
            with open(LOG, "a") as fh:
                writer = csv.writer(fh)
                writer.writerow([event["user"], event["action"]])
    '''}, {"LAM501", "LAM502"}) == {("app.py", 8, "LAM502")}


def test_download_chosen_by_the_request_with_exists_check(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import boto3

        s3 = boto3.client("s3")
        INPUT = "/tmp/input.pdf"

        def lambda_handler(event, context):
            rec = event["Records"][0]["s3"]
            if not os.path.exists(INPUT):
                s3.download_file(rec["bucket"]["name"], rec["object"]["key"], INPUT)
            return os.path.getsize(INPUT)
    '''}, {"LAM501", "LAM502"}) == {("app.py", 11, "LAM502")}


def test_fixed_path_near_misses_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import json
        import os
        import boto3

        s3 = boto3.client("s3")
        MODEL = "/tmp/model.bin"
        EXPORT = "/tmp/export.json"

        def _model():
            if not os.path.exists(MODEL):
                s3.download_file("models", "ranker.bin", MODEL)
            return open(MODEL, "rb").read()

        def lambda_handler(event, context):
            _model()
            with open("/tmp/last.json", "w") as fh:
                json.dump(event, fh)
            try:
                with open(EXPORT, "w") as fh:
                    json.dump(event["rows"], fh)
                s3.upload_file(EXPORT, "exports", "x.json")
                with open(EXPORT) as fh:
                    fh.read()
            finally:
                os.remove(EXPORT)
    '''}, {"LAM501", "LAM502"}) == set()


def test_read_after_the_write_or_cleared_first_is_not_a_read_back(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import csv
        import os
        import boto3

        s3 = boto3.client("s3")
        REPORT = "/tmp/report.csv"
        NOTES = "/tmp/notes.txt"

        def _upload(path):
            with open(path, "rb") as fh:
                s3.put_object(Bucket="reports", Key="r.csv", Body=fh)

        def lambda_handler(event, context):
            with open(REPORT, "w", newline="") as fh:
                csv.writer(fh).writerows(event["rows"])
            with open(REPORT) as fh:
                total = sum(1 for _ in fh)
            _upload(REPORT)
            if os.path.exists(NOTES):
                os.remove(NOTES)
            with open(NOTES, "w") as fh:
                fh.write(event["note"])
            return total
    '''}, {"LAM501", "LAM502"}) == set()


# -- LAM103 on os.environ ------------------------------------------------------------------
def test_request_data_into_the_environment(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import os
        from os import environ, putenv

        def lambda_handler(event, context):
            body = event["body"]
            os.environ["TENANT"] = body["tenant"]
            environ.update({"LOCALE": body.get("locale", "en")})
            os.environ.setdefault("REQUEST_ID", context.aws_request_id)
            putenv("ACCOUNT", body["account"])
    '''}, {"LAM101", "LAM103"})
    assert [(d.line, d.code) for d in result.diagnostics] == [(7, "LAM103"), (8, "LAM103"), (9, "LAM103"),
                                                              (10, "LAM103")]
    assert "process environment (`os.environ`)" in result.diagnostics[0].message


def test_constant_environment_writes_and_per_call_copies_are_silent(tmp_path):
    assert findings(tmp_path, {"app.py": '''
        import os
        import subprocess

        def lambda_handler(event, context):
            os.environ["TZ"] = "UTC"
            os.environ.setdefault("OMP_NUM_THREADS", "2")
            env = dict(os.environ, JOB_ID=event["id"])
            env["TARGET"] = event["format"]
            subprocess.run(["convert"], env={**os.environ, "REQUEST": context.aws_request_id})
            return subprocess.run(["convert"], env=env)
    '''}, {"LAM101", "LAM103"}) == set()


# -- fixes ---------------------------------------------------------------------------------
def _fixed_once(tmp_path, code, source):
    result = run_check(tmp_path, {"app.py": source}, {code})
    diagnostics = [d for d in result.diagnostics if d.code == code and d.fix is not None]
    assert diagnostics, "expected a fix"
    diagnostic = diagnostics[0]
    assert diagnostic.fix.safety == "unsafe"
    payload = json.loads(json.dumps(diagnostic.to_json()))["fix"]
    assert set(payload) == {"safety", "description", "edits"}
    path = tmp_path / "app.py"
    new = apply_edits(path.read_text(encoding="utf-8"), diagnostic.fix.edits)
    cst.parse_module(new)
    path.write_text(new, encoding="utf-8")
    return new


def test_lam106_fix_moves_the_registration_to_module_scope(tmp_path):
    new = _fixed_once(tmp_path, "LAM106", '''\
import logging
import sys

logger = logging.getLogger("orders")


def lambda_handler(event, context):
    logger.addHandler(logging.StreamHandler(sys.stdout))
    logger.info("order %s", event["id"])
''')
    assert new == '''\
import logging
import sys

logger = logging.getLogger("orders")


def lambda_handler(event, context):
    logger.info("order %s", event["id"])


logger.addHandler(logging.StreamHandler(sys.stdout))
'''
    again = run_check(tmp_path, codes={"LAM106"})
    assert again.diagnostics == [] and not again.internal_errors
    os.remove(tmp_path / "app.py")


def test_lam106_no_fix_when_an_argument_is_local_or_from_the_request(tmp_path):
    result = run_check(tmp_path, {"app.py": '''
        import logging

        logger = logging.getLogger("orders")

        def lambda_handler(event, context):
            handler = logging.StreamHandler()
            logger.addHandler(handler)
            logger.addFilter(logging.Filter(event["name"]))
            if event.get("debug"):
                logger.addHandler(logging.NullHandler())
    '''}, {"LAM106"})
    assert [(d.line, d.fix) for d in result.diagnostics] == [(8, None), (9, None), (11, None)]


def test_lam107_fix_defaults_to_none(tmp_path):
    new = _fixed_once(tmp_path, "LAM107", '''\
from datetime import datetime


def run_query(query, end=datetime.utcnow(), days=7):
    """Runs the query."""
    return query, end, days


def lambda_handler(event, context):
    return run_query(event["q"])
''')
    assert new == '''\
from datetime import datetime


def run_query(query, end=None, days=7):
    """Runs the query."""
    if end is None:
        end = datetime.utcnow()
    return query, end, days


def lambda_handler(event, context):
    return run_query(event["q"])
'''
    again = run_check(tmp_path, codes={"LAM107"})
    assert again.diagnostics == [] and not again.internal_errors


def test_lam204_fix_keeps_one_loop_for_the_environment(tmp_path):
    new = _fixed_once(tmp_path, "LAM204", '''\
import asyncio

import httpx

http = httpx.AsyncClient()


async def fetch(url):
    return (await http.get(url)).json()


def lambda_handler(event, context):
    return asyncio.run(fetch(event["url"]))
''')
    assert new == '''\
import asyncio

import httpx

_loop = asyncio.new_event_loop()

http = httpx.AsyncClient()


async def fetch(url):
    return (await http.get(url)).json()


def lambda_handler(event, context):
    return _loop.run_until_complete(fetch(event["url"]))
'''
    again = run_check(tmp_path, codes={"LAM204"})
    assert again.diagnostics == [] and not again.internal_errors
