"""Before/after tests for every fix (libcst codemod style: input source -> exact output source).

Each test builds the analysis of one file, reports the node the rule reports
(the node is found on the line marked ``# here``), and applies the fix that
``fix_for`` attaches. The fix's text edits must give the same text as its
transform, and the result must parse. Where the rule exists, the end-to-end
tests at the bottom check that the fix attached by a real check makes the
diagnostic go away.
"""
from __future__ import annotations

import json
import os
import textwrap
from types import SimpleNamespace

import libcst as cst
import pytest

from lambda_lint import fixes
from lambda_lint.analysis.context import Context, ProjectAnalysis
from lambda_lint.fixes import fix_for
from lambda_lint.fixes.edits import apply_edits, compute_edits
from lambda_lint.analysis.project import Project
from lambda_lint.rules import RULES_BY_CODE
from lambda_lint.rules.base import Report

from .helpers import run_check


@pytest.fixture(autouse=True)
def raise_fixer_errors(monkeypatch):
    monkeypatch.setattr(fixes, "RAISE_ERRORS", True)


def analyse(tmp_path, source, config=None, name="app.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    project = Project(str(tmp_path), [str(path)])
    model = project.model(str(path))
    assert model is not None
    project.find_conventional_handlers([str(path)])
    project.compute_warm_path()
    return Context(project, model, ProjectAnalysis(project), config)


def marked_line(ctx) -> int:
    lines = [i for i, text in enumerate(ctx.model.module.code.splitlines(), 1) if text.rstrip().endswith("# here")]
    assert len(lines) == 1, "mark exactly one line with # here"
    return lines[0]


def reported_node(ctx, code, func=None):
    """The node the rule reports on the ``# here`` line."""
    line = marked_line(ctx)
    positions = ctx.model.positions
    if code == "LAM104":
        return next(fn.node.name for fn in ctx.model.all_functions
                    if positions.range_of(fn.node.name).start.line == line)
    if code == "LAM402":
        return next(d for fn in ctx.model.all_functions for d in fn.decorators
                    if positions.range_of(d).start.line == line)
    calls = [s.node for fn in list(ctx.model.all_functions) + [ctx.model.scope] for s in fn.calls
             if positions.range_of(s.node).start.line == line]
    if func is not None:
        calls = [c for c in calls if ctx.model.module.code_for_node(c.func) == func]
    # the outermost call of the line, unless ``func`` names one
    calls.sort(key=lambda c: (positions.range_of(c).start.column, -len(ctx.model.module.code_for_node(c))))
    assert calls, f"no call on line {line}"
    return calls[0]


def get_fix(tmp_path, source, code, func=None, message="", config=None):
    ctx = analyse(tmp_path, source, config)
    node = reported_node(ctx, code, func)
    return ctx, fix_for(code, ctx, Report(node, message, ""))


def fixed(tmp_path, source, code, func=None, message="", config=None, safety="unsafe"):
    ctx, fix = get_fix(tmp_path, source, code, func, message, config)
    assert fix is not None, "expected a fix"
    assert fix.safety == safety
    assert fix.description
    old = ctx.model.module.code
    new = fix.transform(ctx.model.module).code
    assert apply_edits(old, fix.edits) == new
    cst.parse_module(new)
    compile(new, "<test>", "exec")
    return new


def no_fix(tmp_path, source, code, func=None, message=""):
    _, fix = get_fix(tmp_path, source, code, func, message)
    assert fix is None


def src(text: str) -> str:
    return textwrap.dedent(text)


# -- edits ----------------------------------------------------------------------
def test_edits_replace_whole_lines_one_per_hunk():
    old = "a = 1\nb = 2\nc = 3\nd = 4\n"
    new = "a = 1\nB = 2\nc = 3\nd = 4\ne = 5\n"
    edits = compute_edits(old, new)
    assert [e.to_json() for e in edits] == [
        {"line": 2, "column": 1, "end_line": 3, "end_column": 1, "content": "B = 2\n"},
        {"line": 5, "column": 1, "end_line": 5, "end_column": 1, "content": "e = 5\n"},
    ]
    assert apply_edits(old, edits) == new


def test_edits_keep_crlf_and_a_missing_final_newline():
    old = "a = 1\r\nb = 2"
    new = "a = 1\r\nif x:\r\n    b = 2"
    edits = compute_edits(old, new)
    assert edits[0].end_line == 2 and edits[0].end_column == len("b = 2") + 1
    assert apply_edits(old, edits) == new
    assert compute_edits(old, old) == []


def test_edits_do_not_split_on_form_feed():
    old = "a = 1\x0c\nb = 2\n"
    new = "a = 1\x0c\nb = 3\n"
    (edit,) = compute_edits(old, new)
    assert edit.line == 2
    assert apply_edits(old, [edit]) == new


# -- LAM104 ------------------------------------------------------------------------
def test_lam104_default_becomes_none(tmp_path):
    before = '''\
    def build_tags(key, tags={}):  # here
        """Tags for a key."""
        tags["k"] = key
        return tags
    '''
    after = '''\
    def build_tags(key, tags=None):  # here
        """Tags for a key."""
        if tags is None:
            tags = {}
        tags["k"] = key
        return tags
    '''
    assert fixed(tmp_path, before, "LAM104", message="`tags={}`", safety="safe") == src(after)


def test_lam104_fixes_only_the_named_parameter(tmp_path):
    before = '''\
    class Grouper:
        def group(self, items, seen=set(), *, buckets=collections.defaultdict(list)):  # here
            return buckets
    '''
    after = '''\
    class Grouper:
        def group(self, items, seen=set(), *, buckets=None):  # here
            if buckets is None:
                buckets = collections.defaultdict(list)
            return buckets
    '''
    message = "`group` has a mutable default `buckets=collections.defaultdict(list)`"
    assert fixed(tmp_path, before, "LAM104", message=message, safety="safe") == src(after)


def test_lam104_one_line_body(tmp_path):
    before = '''\
    async def announce(keys, sent=list()): return sent  # here
    '''
    after = '''\
    async def announce(keys, sent=None):
        if sent is None:
            sent = list()
        return sent  # here
    '''
    assert fixed(tmp_path, before, "LAM104", message="`sent=list()`", safety="safe") == src(after)


def test_lam104_no_fix_when_the_default_uses_a_local_name(tmp_path):
    # ``list`` is rebound inside the function: at call time ``list()`` would mean something else.
    no_fix(tmp_path, '''\
    def f(x, acc=list()):  # here
        list = [x]
        return acc + list
    ''', "LAM104", message="`acc=list()`")


# -- LAM402 -----------------------------------------------------------------------
def test_lam402_functools_cache(tmp_path):
    before = '''\
    import functools

    @functools.cache  # here
    def price_for(sku):
        return sku
    '''
    after = '''\
    import functools

    @functools.lru_cache(maxsize=128)  # here
    def price_for(sku):
        return sku
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_maxsize_none_keeps_other_arguments_and_alias(tmp_path):
    before = '''\
    from functools import lru_cache as memo

    @memo(maxsize=None, typed=True)  # here
    def load(name):
        return name
    '''
    after = '''\
    from functools import lru_cache as memo

    @memo(maxsize=128, typed=True)  # here
    def load(name):
        return name
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_positional_none(tmp_path):
    before = '''\
    import functools

    class Tax:
        @staticmethod
        @functools.lru_cache(None)  # here
        def rate(country):
            return 0.19
    '''
    after = '''\
    import functools

    class Tax:
        @staticmethod
        @functools.lru_cache(maxsize=128)  # here
        def rate(country):
            return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_positional_none_before_typed_stays_positional(tmp_path):
    before = '''\
    from functools import lru_cache

    @lru_cache(None, True)  # here
    def rate(country):
        return 0.19
    '''
    after = '''\
    from functools import lru_cache

    @lru_cache(128, True)  # here
    def rate(country):
        return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_cache_imported_by_name_adds_lru_cache_to_the_import(tmp_path):
    before = '''\
    from functools import cache

    @cache  # here
    def rate(country):
        return 0.19
    '''
    after = '''\
    from functools import cache, lru_cache

    @lru_cache(maxsize=128)  # here
    def rate(country):
        return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_cache_imported_by_name_reuses_an_lru_cache_import(tmp_path):
    before = '''\
    from functools import cache, lru_cache as bounded

    @cache  # here
    def rate(country):
        return 0.19
    '''
    after = '''\
    from functools import cache, lru_cache as bounded

    @bounded(maxsize=128)  # here
    def rate(country):
        return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_cache_imported_by_name_reuses_the_functools_module(tmp_path):
    before = '''\
    import functools as ft
    from functools import cache

    @cache  # here
    def rate(country):
        return 0.19
    '''
    after = '''\
    import functools as ft
    from functools import cache

    @ft.lru_cache(maxsize=128)  # here
    def rate(country):
        return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_parenthesised_import_keeps_its_layout(tmp_path):
    before = '''\
    from functools import (
        cache,
        wraps,
    )

    @cache  # here
    def rate(country):
        return 0.19
    '''
    after = '''\
    from functools import (
        cache,
        wraps,
        lru_cache,
    )

    @lru_cache(maxsize=128)  # here
    def rate(country):
        return 0.19
    '''
    assert fixed(tmp_path, before, "LAM402", safety="safe") == src(after)


def test_lam402_uses_the_configured_maxsize(tmp_path):
    before = '''\
    import functools

    @functools.lru_cache(maxsize=None)  # here
    def secret(name):
        return name
    '''
    after = '''\
    import functools

    @functools.lru_cache(maxsize=512)  # here
    def secret(name):
        return name
    '''
    config = SimpleNamespace(fix_maxsize=512)
    assert fixed(tmp_path, before, "LAM402", config=config, safety="safe") == src(after)


def test_lam402_no_fix_for_a_bounded_cache(tmp_path):
    no_fix(tmp_path, '''\
    import functools

    @functools.lru_cache(maxsize=32)  # here
    def secret(name):
        return name
    ''', "LAM402")


# -- LAM201 ---------------------------------------------------------------------
def test_lam201_close_in_finally_becomes_pass(tmp_path):
    before = '''\
    conn = psycopg2.connect(host="db")

    def lambda_handler(event, context):
        try:
            return conn.cursor().execute("SELECT 1")
        finally:
            conn.close()  # here
    '''
    after = '''\
    conn = psycopg2.connect(host="db")

    def lambda_handler(event, context):
        try:
            return conn.cursor().execute("SELECT 1")
        finally:
            pass
    '''
    assert fixed(tmp_path, before, "LAM201") == src(after)


def test_lam201_close_statement_is_removed(tmp_path):
    before = '''\
    def _finish(commit):
        if commit:
            db.commit()
        db.close()  # here

    def handler(event, context):
        _finish(True)
    '''
    after = '''\
    def _finish(commit):
        if commit:
            db.commit()

    def handler(event, context):
        _finish(True)
    '''
    assert fixed(tmp_path, before, "LAM201") == src(after)


def test_lam201_one_of_several_statements_on_a_line(tmp_path):
    before = '''\
    def cleanup():
        log("bye"); pool.closeall()  # here
    '''
    after = '''\
    def cleanup():
        log("bye")  # here
    '''
    assert fixed(tmp_path, before, "LAM201", func="pool.closeall") == src(after)


def test_lam201_one_line_suite(tmp_path):
    before = '''\
    def cleanup(last):
        if last: mailer.quit()  # here
    '''
    after = '''\
    def cleanup(last):
        if last: pass  # here
    '''
    assert fixed(tmp_path, before, "LAM201") == src(after)


def test_lam201_no_fix_when_the_result_is_used(tmp_path):
    no_fix(tmp_path, '''\
    def cleanup():
        return conn.close()  # here
    ''', "LAM201")


# -- LAM202 ------------------------------------------------------------------------
def test_lam202_client_is_hoisted_after_the_constants(tmp_path):
    before = '''\
    """Orders."""
    import json
    import os

    import boto3 as b3

    QUEUE_URL = os.environ["QUEUE_URL"]


    def _enqueue(order_id):
        sqs = b3.client("sqs", region_name=os.environ.get("REGION", "eu-west-1"))  # here
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"order": order_id}))
    '''
    after = '''\
    """Orders."""
    import json
    import os

    import boto3 as b3

    QUEUE_URL = os.environ["QUEUE_URL"]
    _sqs_client = b3.client("sqs", region_name=os.environ.get("REGION", "eu-west-1"))


    def _enqueue(order_id):
        sqs = _sqs_client  # here
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"order": order_id}))
    '''
    assert fixed(tmp_path, before, "LAM202") == src(after)


def test_lam202_receiver_of_a_method_call_in_a_class(tmp_path):
    before = '''\
    import os

    import boto3


    class OrderRepository:
        def __init__(self):
            self.table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])  # here
    '''
    after = '''\
    import os

    import boto3

    _dynamodb_resource = boto3.resource("dynamodb")


    class OrderRepository:
        def __init__(self):
            self.table = _dynamodb_resource.Table(os.environ["ORDERS_TABLE"])  # here
    '''
    assert fixed(tmp_path, before, "LAM202", func="boto3.resource") == src(after)


def test_lam202_name_does_not_clash(tmp_path):
    before = '''\
    import boto3

    _s3_client = None


    def handler(event, context):
        s3 = boto3.client("s3")  # here
        return s3.list_buckets()
    '''
    after = '''\
    import boto3

    _s3_client = None
    _s3_client_2 = boto3.client("s3")


    def handler(event, context):
        s3 = _s3_client_2  # here
        return s3.list_buckets()
    '''
    assert fixed(tmp_path, before, "LAM202") == src(after)


def test_lam202_reuses_an_existing_binding_of_the_same_expression(tmp_path):
    before = '''\
    import boto3

    _sqs_client = boto3.client("sqs")


    def handler(event, context):
        sqs = boto3.client("sqs")  # here
        return sqs
    '''
    # the function returns the client: no fix (see below); without the return it reuses the binding
    no_fix(tmp_path, before, "LAM202")
    before = before.replace("        return sqs\n", "        sqs.send_message(QueueUrl='q', MessageBody='m')\n")
    after = '''\
    import boto3

    _sqs_client = boto3.client("sqs")


    def handler(event, context):
        sqs = _sqs_client  # here
        sqs.send_message(QueueUrl='q', MessageBody='m')
    '''
    assert fixed(tmp_path, before, "LAM202") == src(after)


def test_lam202_waits_for_a_constant_defined_after_the_imports(tmp_path):
    before = '''\
    import redis


    def helper():
        return 1


    HOST = "cache.internal"


    def handler(event, context):
        r = redis.Redis(host=HOST, port=6379)  # here
        return r.get(event["key"]) and None
    '''
    after = '''\
    import redis


    def helper():
        return 1


    HOST = "cache.internal"
    _redis = redis.Redis(host=HOST, port=6379)


    def handler(event, context):
        r = _redis  # here
        return r.get(event["key"]) and None
    '''
    assert fixed(tmp_path, before, "LAM202") == src(after)


@pytest.mark.parametrize(
    "line",
    [
        '    sqs = boto3.client("sqs", region_name=event["region"])  # here\n',  # depends on the event
        '    sqs = boto3.client(service)  # here\n',  # a local value
        '    with httpx.Client(base_url="x") as sqs:  # here\n        pass\n',  # closed by the with
        '    sqs = redis.Redis(host="h")  # here\n    sqs.close()\n',  # closed by the function
        '    return boto3.client("sqs")  # here\n',  # handed to the caller
        '    sqs = aiohttp.ClientSession()  # here\n',  # needs a running loop
    ],
)
def test_lam202_no_fix(tmp_path, line):
    source = "import boto3\nimport httpx\nimport redis\nimport aiohttp\n\n\ndef handler(event, context):\n"
    source += "    service = 'sqs'\n" + line
    ctx = analyse(tmp_path, source)
    node = reported_node(ctx, "LAM202")
    assert fix_for("LAM202", ctx, Report(node, "", "")) is None


# -- LAM301 / LAM302 / LAM304 -----------------------------------------------------------
def test_lam301_dropped_task_is_awaited(tmp_path):
    before = '''\
    import asyncio

    async def accept(order):
        asyncio.create_task(emit("OrderReceived", order))  # here
        return order
    '''
    after = '''\
    import asyncio

    async def accept(order):
        await asyncio.create_task(emit("OrderReceived", order))  # here
        return order
    '''
    assert fixed(tmp_path, before, "LAM301", func="asyncio.create_task") == src(after)


def test_lam301_no_fix_outside_async_def_or_for_a_kept_task(tmp_path):
    no_fix(tmp_path, '''\
    def schedule(order_id):
        loop = asyncio.get_running_loop()
        loop.create_task(write(order_id))  # here
    ''', "LAM301", func="loop.create_task")
    no_fix(tmp_path, '''\
    async def accept(order):
        warmup = asyncio.ensure_future(warm())  # here
        return order
    ''', "LAM301", func="asyncio.ensure_future")


def test_lam302_dropped_coroutine_is_awaited(tmp_path):
    before = '''\
    async def _deliver(message, policy):
        for attempt in range(3):
            try:
                return await publish(message)
            except Exception:
                policy.backoff(attempt)  # here
        return False
    '''
    after = '''\
    async def _deliver(message, policy):
        for attempt in range(3):
            try:
                return await publish(message)
            except Exception:
                await policy.backoff(attempt)  # here
        return False
    '''
    assert fixed(tmp_path, before, "LAM302") == src(after)


def test_lam302_no_fix_in_a_plain_function(tmp_path):
    no_fix(tmp_path, '''\
    def lambda_handler(event, context):
        publish({"received": event["id"]})  # here
    ''', "LAM302")


def test_lam304_dropped_submit_gets_result(tmp_path):
    before = '''\
    def lambda_handler(event, context):
        for job in event["jobs"]:
            _workers.submit(_record, job["id"], "started")  # here
        return {}
    '''
    after = '''\
    def lambda_handler(event, context):
        for job in event["jobs"]:
            _workers.submit(_record, job["id"], "started").result()  # here
        return {}
    '''
    assert fixed(tmp_path, before, "LAM304") == src(after)


def test_lam304_run_in_executor_is_awaited(tmp_path):
    before = '''\
    async def receive(loop, payload):
        loop.run_in_executor(None, archive, payload)  # here
    '''
    after = '''\
    async def receive(loop, payload):
        await loop.run_in_executor(None, archive, payload)  # here
    '''
    assert fixed(tmp_path, before, "LAM304") == src(after)


def test_lam304_shutdown_waits(tmp_path):
    before = '''\
    def lambda_handler(event, context):
        ex = cf.ThreadPoolExecutor(max_workers=8)
        ex.shutdown(wait=False)  # here
    '''
    after = '''\
    def lambda_handler(event, context):
        ex = cf.ThreadPoolExecutor(max_workers=8)
        ex.shutdown(wait=True)  # here
    '''
    assert fixed(tmp_path, before, "LAM304") == src(after)


def test_lam304_no_fix_for_futures_kept_in_a_list(tmp_path):
    no_fix(tmp_path, '''\
    def lambda_handler(event, context):
        futures = [_pool.submit(thumb, k) for k in event["keys"]]  # here
        return len(futures)
    ''', "LAM304", func="_pool.submit")


# -- LAM303 -------------------------------------------------------------------------
def test_lam303_join_before_the_final_return(tmp_path):
    before = '''\
    import threading

    def lambda_handler(event, context):
        uploader = threading.Thread(target=upload, args=(event,))
        uploader.start()  # here
        if event.get("wait"):
            uploader.join()

        return {"queued": True}
    '''
    after = '''\
    import threading

    def lambda_handler(event, context):
        uploader = threading.Thread(target=upload, args=(event,))
        uploader.start()  # here
        if event.get("wait"):
            uploader.join()

        uploader.join()
        return {"queued": True}
    '''
    assert fixed(tmp_path, before, "LAM303") == src(after)


def test_lam303_chained_start_gets_a_name_and_a_join_at_the_end(tmp_path):
    before = '''\
    import threading

    def upload_later(key, body):
        threading.Thread(target=put, args=(key, body), daemon=True).start()  # here
    '''
    after = '''\
    import threading

    def upload_later(key, body):
        _thread = threading.Thread(target=put, args=(key, body), daemon=True)
        _thread.start()  # here
        _thread.join()
    '''
    assert fixed(tmp_path, before, "LAM303", func="threading.Thread(target=put, args=(key, body), daemon=True).start") \
        == src(after)


def test_lam303_early_returns_get_try_finally(tmp_path):
    before = '''\
    from threading import Timer

    def lambda_handler(event, context):
        t = Timer(5.0, beat)
        t.start()  # here
        if not event:
            return None
        return work(event)
    '''
    after = '''\
    from threading import Timer

    def lambda_handler(event, context):
        t = Timer(5.0, beat)
        t.start()  # here
        try:
            if not event:
                return None
            return work(event)
        finally:
            t.join()
    '''
    assert fixed(tmp_path, before, "LAM303") == src(after)


def test_lam303_no_fix_inside_a_loop_or_for_a_parameter(tmp_path):
    no_fix(tmp_path, '''\
    import threading

    def lambda_handler(event, context):
        for item in event["items"]:
            t = threading.Thread(target=work, args=(item,))
            t.start()  # here
    ''', "LAM303")
    no_fix(tmp_path, '''\
    def run(t):
        t.start()  # here
    ''', "LAM303")


# -- LAM501 ----------------------------------------------------------------------
def test_lam501_open_gets_try_finally_remove(tmp_path):
    before = '''\
    import csv
    import uuid

    def lambda_handler(event, context):
        rows = event["rows"]
        path = f"/tmp/export-{uuid.uuid4()}.csv"
        # write the rows
        with open(path, "w", newline="") as fh:  # here
            csv.writer(fh).writerows(rows)
        s3.upload_file(path, BUCKET, "key")
        return {"rows": len(rows)}
    '''
    after = '''\
    import csv
    import os
    import uuid

    def lambda_handler(event, context):
        rows = event["rows"]
        path = f"/tmp/export-{uuid.uuid4()}.csv"
        # write the rows
        try:
            with open(path, "w", newline="") as fh:  # here
                csv.writer(fh).writerows(rows)
            s3.upload_file(path, BUCKET, "key")
            return {"rows": len(rows)}
        finally:
            if os.path.exists(path):
                os.remove(path)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_download_file_with_os_already_imported(tmp_path):
    before = '''\
    import os as _os

    def run(event, context):
        local = f"/tmp/{_os.path.basename(event['key'])}"
        s3.download_file(event["bucket"], event["key"], local)  # here
        rows = parse(local)
        return {"rows": len(rows)}
    '''
    after = '''\
    import os as _os

    def run(event, context):
        local = f"/tmp/{_os.path.basename(event['key'])}"
        try:
            s3.download_file(event["bucket"], event["key"], local)  # here
            rows = parse(local)
            return {"rows": len(rows)}
        finally:
            if _os.path.exists(local):
                _os.remove(local)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_mkstemp_starts_the_try_after_the_assignment(tmp_path):
    before = '''\
    import os
    import tempfile

    def load(key):
        fd, path = tempfile.mkstemp(suffix=".json")  # here
        with os.fdopen(fd, "wb") as fh:
            s3.download_fileobj(BUCKET, key, fh)
        return read(path)["size"]
    '''
    after = '''\
    import os
    import tempfile

    def load(key):
        fd, path = tempfile.mkstemp(suffix=".json")  # here
        try:
            with os.fdopen(fd, "wb") as fh:
                s3.download_fileobj(BUCKET, key, fh)
            return read(path)["size"]
        finally:
            if os.path.exists(path):
                os.remove(path)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_mkdtemp_becomes_temporary_directory(tmp_path):
    before = '''\
    import os
    import tempfile

    def lambda_handler(event, context):
        workdir = tempfile.mkdtemp(prefix="job-")  # here
        local = os.path.join(workdir, "input")
        s3.download_file(event["bucket"], event["key"], local)
        return {"size": os.path.getsize(local)}
    '''
    after = '''\
    import os
    import tempfile

    def lambda_handler(event, context):
        with tempfile.TemporaryDirectory(prefix="job-") as workdir:  # here
            local = os.path.join(workdir, "input")
            s3.download_file(event["bucket"], event["key"], local)
            return {"size": os.path.getsize(local)}
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_mkdtemp_imported_by_name(tmp_path):
    before = '''\
    from tempfile import mkdtemp

    def lambda_handler(event, context):
        workdir = mkdtemp()  # here
        render(workdir)
    '''
    after = '''\
    from tempfile import mkdtemp, TemporaryDirectory

    def lambda_handler(event, context):
        with TemporaryDirectory() as workdir:  # here
            render(workdir)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_makedirs_and_pathlib(tmp_path):
    before = '''\
    import os
    import pathlib

    def lambda_handler(event, context):
        workdir = os.path.join("/tmp", context.aws_request_id)
        os.makedirs(workdir, exist_ok=True)  # here
        target = os.path.join(workdir, "clip.mp4")
        cut(target)
        return {"ok": True}
    '''
    after = '''\
    import os
    import pathlib
    import shutil

    def lambda_handler(event, context):
        workdir = os.path.join("/tmp", context.aws_request_id)
        try:
            os.makedirs(workdir, exist_ok=True)  # here
            target = os.path.join(workdir, "clip.mp4")
            cut(target)
            return {"ok": True}
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)
    before = '''\
    import pathlib

    def lambda_handler(event, context):
        report = pathlib.Path("/tmp") / f"summary-{event['id']}.json"
        report.write_text("{}")  # here
        upload(str(report))
    '''
    after = '''\
    import pathlib

    def lambda_handler(event, context):
        report = pathlib.Path("/tmp") / f"summary-{event['id']}.json"
        try:
            report.write_text("{}")  # here
            upload(str(report))
        finally:
            report.unlink(missing_ok=True)
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


def test_lam501_named_temporary_file_in_a_loop(tmp_path):
    before = '''\
    import os
    import tempfile

    def lambda_handler(event, context):
        for key in event["keys"]:
            out = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)  # here
            render(key, out)
            out.close()
            upload(out.name, key)
        return {"ok": True}
    '''
    after = '''\
    import os
    import tempfile

    def lambda_handler(event, context):
        for key in event["keys"]:
            out = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)  # here
            try:
                render(key, out)
                out.close()
                upload(out.name, key)
            finally:
                if os.path.exists(out.name):
                    os.remove(out.name)
        return {"ok": True}
    '''
    assert fixed(tmp_path, before, "LAM501") == src(after)


@pytest.mark.parametrize(
    "body",
    [
        # returned to the caller
        '    path = f"/tmp/{uuid.uuid4()}"\n    with open(path, "w") as fh:  # here\n'
        '        fh.write("x")\n    return path\n',
        # returned through a derived path
        '    d = tempfile.mkdtemp()  # here\n    out = os.path.join(d, "a")\n    return out\n',
        # stored on the instance
        '    self.path = f"/tmp/{uuid.uuid4()}"\n    open(self.path, "w").close()  # here\n',
        # kept in a container
        '    path = f"/tmp/{uuid.uuid4()}"\n    open(path, "w").close()  # here\n    FILES.append(path)\n',
        # a literal path (not a name)
        '    open(f"/tmp/{uuid.uuid4()}", "w").close()  # here\n',
        # read, not written
        '    path = f"/tmp/{uuid.uuid4()}"\n    open(path).close()  # here\n',
        # used after the block that creates it
        '    path = f"/tmp/{uuid.uuid4()}"\n    if self:\n        open(path, "w").close()  # here\n    upload(path)\n',
        # a returned NamedTemporaryFile name
        '    out = tempfile.NamedTemporaryFile(delete=False)  # here\n    return out.name\n',
    ],
)
def test_lam501_no_fix(tmp_path, body):
    source = "import os\nimport tempfile\nimport uuid\n\nFILES = []\n\n\ndef work(self):\n" + body
    ctx = analyse(tmp_path, source)
    node = reported_node(ctx, "LAM501")
    assert fix_for("LAM501", ctx, Report(node, "", "")) is None


# -- the hook itself ------------------------------------------------------------------
def test_codes_without_a_mechanical_fix_get_none(tmp_path):
    ctx = analyse(tmp_path, "_cache = {}\n\ndef f(k):\n    _cache[k] = 1  # here\n")
    for code in ("LAM101", "LAM102", "LAM103", "LAM105", "LAM203", "LAM305", "LAM401", "LAM403", "LAM001"):
        assert fix_for(code, ctx, Report(ctx.model.module.body[0], "", "")) is None


def test_a_failing_fixer_means_no_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(fixes, "RAISE_ERRORS", False)
    ctx = analyse(tmp_path, "def f(x=[]):\n    return x\n")
    assert fix_for("LAM104", ctx, Report(object(), "", "")) is None


def test_a_fix_whose_result_does_not_compile_is_dropped(tmp_path):
    from lambda_lint.fixes.common import build_fix

    ctx = analyse(tmp_path, "def f():\n    return 1\n")

    stmt = ctx.model.module.body[0]
    # ``return`` outside a function: libcst parses it, CPython does not compile it
    broken = {stmt: lambda updated: cst.FlattenSentinel([updated, cst.parse_statement("return 2\n")])}
    assert build_fix(ctx, "broken", "safe", broken) is None


# -- end to end, through the rules ----------------------------------------------------
END_TO_END = [
    ("LAM104", "state", "def build(key, tags={}):\n    tags['k'] = key\n    return tags\n\n"
               "def lambda_handler(event, context):\n    return build(event['k'])\n"),
    ("LAM402", "cache", "import functools\n\n@functools.cache\ndef price(sku):\n    return sku\n\n"
               "def lambda_handler(event, context):\n    return price(event['sku'])\n"),
    ("LAM201", "close", "import psycopg2\n\nconn = psycopg2.connect(host='db')\n\n"
               "def lambda_handler(event, context):\n    try:\n        return conn.cursor()\n"
               "    finally:\n        conn.close()\n"),
    ("LAM202", "client", "import boto3\n\ndef lambda_handler(event, context):\n    sqs = boto3.client('sqs')\n"
               "    sqs.send_message(QueueUrl='q', MessageBody='m')\n"),
    ("LAM301", "task", "import asyncio\n\nasync def emit():\n    await asyncio.sleep(0)\n\nasync def main():\n"
               "    asyncio.create_task(emit())\n    return 1\n\ndef lambda_handler(event, context):\n"
               "    return asyncio.run(main())\n"),
    ("LAM302", "coroutine", "import asyncio\n\nasync def emit():\n    await asyncio.sleep(0)\n\nasync def main():\n"
               "    emit()\n    return 1\n\ndef lambda_handler(event, context):\n    return asyncio.run(main())\n"),
    ("LAM303", "thread", "import threading\n\ndef lambda_handler(event, context):\n"
               "    threading.Thread(target=print).start()\n    return 1\n"),
    ("LAM304", "future", "from concurrent.futures import ThreadPoolExecutor\n\n_pool = ThreadPoolExecutor(2)\n\n"
               "def lambda_handler(event, context):\n    _pool.submit(print, 1)\n    return 1\n"),
    ("LAM501", "tmp", "import uuid\n\ndef lambda_handler(event, context):\n    path = f'/tmp/{uuid.uuid4()}'\n"
               "    with open(path, 'w') as fh:\n        fh.write('x')\n    return 1\n"),
]


@pytest.mark.parametrize("code,name,source", END_TO_END, ids=[c for c, _, _ in END_TO_END])
def test_the_fix_makes_its_diagnostic_go_away(tmp_path, code, name, source):
    if code not in RULES_BY_CODE:
        pytest.skip(f"{code} has no rule yet")
    result = run_check(tmp_path, {"app.py": source}, codes={code})
    (diagnostic,) = [d for d in result.diagnostics if d.code == code]
    assert diagnostic.fix is not None
    payload = json.loads(json.dumps(diagnostic.to_json()))["fix"]
    assert set(payload) == {"safety", "description", "edits"}
    assert payload["safety"] in ("safe", "unsafe")
    for edit in payload["edits"]:
        assert set(edit) == {"line", "column", "end_line", "end_column", "content"}
        assert all(isinstance(edit[k], int) and edit[k] >= 1 for k in ("line", "column", "end_line", "end_column"))
        assert isinstance(edit["content"], str)
    path = tmp_path / "app.py"
    new = apply_edits(path.read_text(encoding="utf-8"), diagnostic.fix.edits)
    cst.parse_module(new)
    path.write_text(new, encoding="utf-8")
    again = run_check(tmp_path, codes={code})
    assert [d for d in again.diagnostics if d.code == code] == []
    assert not again.internal_errors
    os.remove(path)
