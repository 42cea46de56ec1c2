"""LAM602 connection-in-snapshot."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.names import is_literal, keyword_arg
from .base import Rule

BEST_PRACTICES = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html#snapstart-networking"
HOOKS_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html"


def opens_at_construction(qualified: Optional[str], call: cst.Call) -> bool:
    if qualified not in apis.CONNECTING_CONSTRUCTORS:
        return False
    if qualified.endswith("MongoClient"):
        lazy = keyword_arg(call, "connect")
        return not (lazy is not None and isinstance(lazy.value, cst.Name) and lazy.value.value == "False")
    return True


def takes_temporary_credentials(qualified: Optional[str], call: cst.Call, ctx) -> bool:
    """An SDK client, resource or session built with an explicit ``aws_session_token=``."""
    token = keyword_arg(call, apis.SESSION_TOKEN_ARGUMENT)
    if token is None or (is_literal(token.value) and not isinstance(token.value, cst.SimpleString)):
        return False  # aws_session_token=None: default credentials
    if qualified in apis.SDK_CREDENTIAL_CONSTRUCTORS:
        return True
    # session.client(...) / session.resource(...) on a boto3 session
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in ("client", "resource")


class ConnectionInSnapshot(Rule):
    code = "LAM602"
    name = "connection-in-snapshot"
    summary = "A network connection opened at init is kept in the SnapStart snapshot and reused after restore"
    what = (
        "Only for functions whose deployment turns SnapStart on. Reports init code that opens a network "
        "connection the warm path keeps using, when no `@register_after_restore` hook registered at init "
        "re-creates it: a DB-API `connect(...)` (psycopg2, psycopg, pymysql, mysql.connector, pg8000, "
        "oracledb, pyodbc...), `pymongo.MongoClient(...)` without `connect=False`, `socket.create_connection`, "
        "`pika.BlockingConnection`; an HTTP session or pool (`requests.Session`, `httpx.Client`, "
        "`urllib3.PoolManager`), a redis or memcached client, a SQLAlchemy engine or a socket through which "
        "init code already sent a request or a command (reported at that first request); and an AWS SDK "
        "client, resource or session built at init with explicit temporary credentials "
        "(`aws_session_token=...`). Not reported: boto3/botocore clients with default credentials, even "
        "when they make calls at init (AWS: SDK connections resume automatically, and under SnapStart the "
        "SDK's credentials come from a refreshing endpoint); clients that open nothing at init; a connection "
        "that an after-restore hook rebinds or reconnects (or, for a pooled client, closes); one the warm path "
        "rebinds or reconnects (`ping`, `reconnect`) itself (a pooled client only by rebinding it); a SQLAlchemy "
        "engine with `pool_pre_ping=True`; and connections used only during init."
    )
    why = (
        "The snapshot is taken once and restored possibly hours or days later, in many environments at once. "
        "A socket opened at init is in the snapshot: the server has long since dropped it, or several "
        "environments resume the same TCP session. Temporary credentials obtained at init expire while "
        "the snapshot waits. AWS's SnapStart networking best practices: connections that an AWS SDK "
        "establishes resume automatically in most cases; re-establish other connections after restore."
    )
    example = """\
import psycopg2

conn = psycopg2.connect(host="db.internal", dbname="orders")

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM orders WHERE id = %s", (event["id"],))
        return cur.fetchone()
"""
    use_instead = """\
import psycopg2
from snapshot_restore_py import register_after_restore

def _connect():
    return psycopg2.connect(host="db.internal", dbname="orders")

conn = _connect()

@register_after_restore
def _reconnect():
    global conn
    conn = _connect()

def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM orders WHERE id = %s", (event["id"],))
        return cur.fetchone()
"""
    fix_safety = (
        "No automatic fix: how to re-create a connection (a hook, a lazy getter, a health check) depends on "
        "the client."
    )
    references = (
        f"[Lambda SnapStart networking best practices]({BEST_PRACTICES})",
        f"[Lambda SnapStart runtime hooks for Python]({HOOKS_DOCS})",
    )
    valid = (
        """\
import boto3
import requests

s3 = boto3.client("s3")
BUCKETS = [b["Name"] for b in s3.list_buckets()["Buckets"]]
_http = requests.Session()

def handler(event, context):
    _http.post("https://hooks.example.com", json={"buckets": BUCKETS}, timeout=5)
    return s3.get_object(Bucket=BUCKETS[0], Key=event["key"])["ContentLength"]
""",
        """\
import pymysql
from snapshot_restore_py import register_after_restore, register_before_snapshot

db = pymysql.connect(host="db.internal")

@register_before_snapshot
def _close():
    db.close()

@register_after_restore
def _reopen():
    db.connect()

def handler(event, context):
    with db.cursor() as cur:
        cur.execute("SELECT 1")
""",
    )
    invalid = (
        """\
import boto3
import psycopg2
import requests

conn = psycopg2.connect(host="db.internal")  # expect
_http = requests.Session()
SETTINGS = _http.get("https://partner.example.com/settings", timeout=5).json()  # expect
_creds = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::1:role/x", RoleSessionName="x")["Credentials"]
partner = boto3.client("s3", aws_access_key_id=_creds["AccessKeyId"], aws_secret_access_key=_creds["SecretAccessKey"], aws_session_token=_creds["SessionToken"])  # expect

def handler(event, context):
    _http.post("https://partner.example.com/notices", json=event, timeout=5)
    partner.put_object(Bucket=SETTINGS["bucket"], Key=event["id"], Body=b"")
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
""",
    )

    def check(self, ctx):
        init = ctx.analysis.init_code
        if not init.active:
            return
        reported = set()
        for site in init.init_calls(ctx.model):
            call = site.node
            qualified = ctx.qualify(call.func)
            if opens_at_construction(qualified, call):
                report = self._connection(init, site, qualified)
            elif takes_temporary_credentials(qualified, call, ctx):
                report = self._credentials(init, site, qualified)
            else:
                report = None
            if report is not None:
                yield report
        # A lazy client may be built in one module and first used at init in another.
        for model in init.modules.values():
            for site in init.init_calls(model):
                qualified = model.qualify(site.node.func)
                if qualified not in apis.LAZY_CLIENTS:
                    continue
                report = self._first_request(ctx, init, site, qualified)
                if report is not None and id(report.node) not in reported:
                    reported.add(id(report.node))
                    yield report

    def _used_and_kept(self, init, site, methods) -> Optional[object]:
        """The first name keeping the object that the warm path reads and nothing renews, or None."""
        for ref in sorted(init.bound_names(site), key=lambda r: r.shown):
            if not init.warm_reads(ref):
                continue
            if init.recreated_after_restore(ref, methods) or init.recreated_on_warm_path(ref, methods):
                continue
            return ref
        return None

    def _connection(self, init, site, qualified: str):
        ref = self._used_and_kept(init, site, apis.RECONNECT_METHODS)
        if ref is None:
            return None
        return self.report(
            site.node,
            f"`{qualified}(...)` opens a connection at init that is kept in `{ref.shown}` and used on the warm "
            "path: with SnapStart it is restored from the snapshot, possibly long after the server dropped it",
            f"Re-create `{ref.shown}` in an @register_after_restore hook, or connect lazily on the warm path "
            "(and reconnect when it is closed).",
        )

    def _credentials(self, init, site, qualified: str):
        ref = self._used_and_kept(init, site, frozenset())
        if ref is None:
            return None
        shown = qualified if qualified in apis.SDK_CREDENTIAL_CONSTRUCTORS else "the SDK client"
        return self.report(
            site.node,
            f"`{shown}(...)` is built at init with temporary credentials (`aws_session_token=`) and kept in "
            f"`{ref.shown}`: with SnapStart they are restored from the snapshot and may have expired",
            f"Build `{ref.shown}` on the warm path when its credentials are missing or about to expire, or "
            "re-create it in an @register_after_restore hook.",
        )

    def _first_request(self, ctx, init, site, qualified: str):
        """A lazy client holds a connection once init code sends a request or command through it."""
        pre_ping = keyword_arg(site.node, "pool_pre_ping")
        if pre_ping is not None and not (isinstance(pre_ping.value, cst.Name) and pre_ping.value.value == "False"):
            return None  # SQLAlchemy tests each pooled connection before handing it out
        methods = apis.RECONNECT_METHODS | apis.POOL_RESET_METHODS
        for ref in sorted(init.bound_names(site), key=lambda r: r.shown):
            if not init.warm_reads(ref):
                continue
            # On the warm path only a rebinding renews a pool: ``engine.connect()`` checks out the old socket.
            if (init.recreated_after_restore(ref, methods) or init.closed_before_snapshot(ref, methods)
                    or init.recreated_on_warm_path(ref)):
                continue
            sends = [s for fn in init.functions for s in init.method_calls(fn, ref)
                     if s.node.func.attr.value not in apis.LAZY_CLIENT_SETUP_METHODS]
            sends = [s for s in sends if s.function.module is ctx.model]
            if not sends:
                continue
            first = min(sends, key=lambda s: ctx.line(s.node))
            method = first.node.func.attr.value
            return self.report(
                first.node,
                f"`{ref.shown}.{method}(...)` at init opens a connection of `{ref.shown}` ({qualified}) that is "
                "kept in the SnapStart snapshot and reused on the warm path after restore",
                f"Send this request on the warm path, or close `{ref.shown}` in an @register_before_snapshot "
                "hook or reset it in an @register_after_restore hook.",
            )
        return None
